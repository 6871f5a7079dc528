/** get_job: GET /v1/jobs/:id. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defineTool } from '../src/mcp/define-tool.js';
import { idArgument } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { getJob } from '../src/workflow/job-service.js';
import { JOB_STATUSES } from '../src/workflow/job-outcome.js';

export function registerGetJobTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'get_job',
    title: 'Get a job',
    description: 'Status (from its renders), render ids and delivered files; download each with download_render.',
    scope: 'read',
    annotations: { readOnlyHint: true, openWorldHint: false },
    input: { jobId: idArgument() },
    output: { id: z.string(), status: z.enum(JOB_STATUSES), renderIds: z.array(z.string()), files: z.array(z.record(z.string(), z.unknown())) },
    run: ({ jobId }, caller) => {
      const job = getJob(session.context, caller.account.id, jobId);
      return { data: job, summary: `Job ${job.id}: ${job.status}, ${job.renderIds.length} render(s), ${job.files.length} file(s).` };
    },
  });
}
