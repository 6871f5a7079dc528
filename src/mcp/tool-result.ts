/**
 * The one place tool results are shaped: success as `structuredContent` plus a text
 * rendering, failure as an `isError` result carrying the REST API's `code`, `message` and
 * `status`. Tools never catch errors themselves.
 */
import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/sdk/types.js';
import { errorEnvelope } from '../errors.js';

/** Key of the error envelope in an isError result's `_meta` (machine-readable; the text says the same). */
export const ERROR_META_KEY = 'renderbay/error';

export interface ToolOutput<Data extends Record<string, unknown>> {
  /** The result, as `structuredContent` (validated against the tool's output schema). */
  data: Data;
  /** One line for whoever reads the text block; the data follows it as JSON. */
  summary: string;
  /** Blocks after the text: a preview image, resource links. */
  content?: ContentBlock[];
}

export function successResult<Data extends Record<string, unknown>>(output: ToolOutput<Data>): CallToolResult {
  return {
    content: [{ type: 'text', text: `${output.summary}\n${JSON.stringify(output.data)}` }, ...(output.content ?? [])],
    structuredContent: output.data,
  };
}

/**
 * An isError result. It carries no `structuredContent`: clients validate that against the
 * tool's output schema even on errors (SDK 1.32 Client.callTool does), and an error is not
 * the tool's output. The envelope goes in the text and, for programs, in `_meta`.
 */
export function errorResult(error: unknown, log: (message: string) => void): CallToolResult {
  const envelope = errorEnvelope(error, log);
  return {
    isError: true,
    content: [{ type: 'text', text: `${envelope.code}: ${envelope.message}` }],
    _meta: { [ERROR_META_KEY]: envelope },
  };
}
