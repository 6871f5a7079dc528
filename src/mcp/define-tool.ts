/**
 * Registers one Renderbay tool: strict zod input, zod output schema, the scope it needs,
 * and a `run` that calls the service layer. Authorisation, the result's shape and every
 * error's mapping happen here, once, so a tool file holds nothing but its adapter.
 *
 * ```ts
 * defineTool(server, session, {
 *   name: 'get_account', title: 'Get account', description: '…', scope: 'read',
 *   annotations: { readOnlyHint: true },
 *   input: {}, output: accountOutput,
 *   run: (_args, caller) => ({ data: …, summary: '…' }),
 * });
 * ```
 */
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Caller, Scope } from '../accounts/api-keys.js';
import { resultObject } from './schemas.js';
import type { McpSession } from './session.js';
import { listTool } from './tool-list.js';
import { errorResult, successResult, type ToolOutput } from './tool-result.js';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface ToolDefinition<Input extends z.ZodRawShape, Output extends z.ZodRawShape> {
  name: string;
  title: string;
  /** What the tool does and where it sits in the workflow: agents read this to plan. */
  description: string;
  /** API key scope the caller needs (HTTP); stdio acts as the local account with every scope. */
  scope: Scope;
  annotations: ToolAnnotations;
  /** Argument fields. The object is strict: an unknown argument is refused, never silently dropped. */
  input: Input;
  /**
   * Arguments naming files on the client's machine (`path`, `directory`): advertised over
   * stdio only. Over HTTP they are still accepted, so that a client sending one anyway is
   * told why it cannot work (`path_not_allowed`) rather than "unknown argument".
   */
  localInput?: z.ZodRawShape;
  /** Fields of `structuredContent`. Extra fields are allowed, so the service can grow. */
  output: Output;
  /**
   * false: tools/list leaves the output schema out (results are still checked against it and
   * still carry structuredContent, and their text block is the JSON). For results whose
   * outline would cost the tools/list budget more than it tells an agent: acknowledgements
   * (`{ id, deleted }`), an echo of the call's own fields (update_model), and a list of rows
   * the description already names (`{ renders: array, meta: object }` says nothing more).
   */
  advertiseOutput?: boolean;
  run(
    args: z.output<z.ZodObject<Input>>,
    caller: Caller,
    extra: ToolExtra,
  ): Promise<ToolOutput<z.output<z.ZodObject<Output>>>> | ToolOutput<z.output<z.ZodObject<Output>>>;
}

export function defineTool<Input extends z.ZodRawShape, Output extends z.ZodRawShape>(
  server: McpServer,
  session: McpSession,
  tool: ToolDefinition<Input, Output>,
): RegisteredTool {
  const inputSchema = z.strictObject({ ...tool.input, ...tool.localInput });
  const outputSchema = resultObject(tool.output);
  listTool(server, {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    scope: tool.scope,
    annotations: tool.annotations,
    input: session.transport === 'stdio' ? inputSchema : z.strictObject(tool.input),
    output: tool.advertiseOutput === false ? undefined : outputSchema,
  });
  return server.registerTool<typeof outputSchema, typeof inputSchema>(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      inputSchema,
      outputSchema,
      annotations: { title: tool.title, ...tool.annotations },
    },
    async (args, extra) => {
      try {
        const caller = session.authorize(tool.scope);
        return successResult(await tool.run(args, caller, extra));
      } catch (error) {
        return errorResult(error, session.log);
      }
    },
  );
}
