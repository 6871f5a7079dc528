/** create_job: POST /v1/jobs (a model or URL and a template become its renders, paid as one batch). */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defineTool } from '../src/mcp/define-tool.js';
import { idArgument } from '../src/mcp/schemas.js';
import type { McpSession } from '../src/mcp/session.js';
import { createJob } from '../src/workflow/job-service.js';
import { JOB_STATUSES, VIDEO_FILES } from '../src/workflow/job-outcome.js';

export function registerCreateJobTool(server: McpServer, session: McpSession): void {
  defineTool(server, session, {
    name: 'create_job',
    title: 'Render a template',
    description:
      'modelId or url + templateId: its bookmarks as one stills render, each shot as a video, × each material variant. ' +
      'Paid all or nothing. imageSize: stills; quality: videos (as create_render). Then get_job.',
    scope: 'write',
    annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    input: {
      modelId: idArgument().optional(),
      url: z.string().optional(),
      templateId: idArgument(),
      renderBookmarks: z.boolean().optional(),
      renderShots: z.boolean().optional(),
      renderVariants: z.boolean().optional(),
      imageSize: z.string().optional(),
      quality: z.string().optional(),
      videoFile: z.enum(VIDEO_FILES).optional(),
    },
    output: { id: z.string(), status: z.enum(JOB_STATUSES), renderIds: z.array(z.string()) },
    run: async (args, caller) => {
      const job = await createJob(session.context, caller.account.id, args);
      return { data: { id: job.id, status: job.status, renderIds: job.renderIds }, summary: `Job ${job.id}: ${job.renderIds.length} render(s) queued. Follow with get_job.` };
    },
  });
}
