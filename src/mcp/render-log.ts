/**
 * Render failures and retries as MCP log messages (the `logging` capability), so an agent
 * hears about them without polling: `error` when a render fails (it is refunded),
 * `warning` when the engine retries one after a server-side failure.
 *
 * stdio: a watcher reads the account's renders that changed since its last look, once a
 * second, for as long as the connection lasts. HTTP (stateless, nothing lasts between
 * requests): wait_for_renders logs what it sees on its own response stream.
 */
import type { LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AppContext } from '../context.js';
import type { RenderRow } from '../renders/render-service.js';

type LogParams = LoggingMessageNotification['params'];
const LOGGER = 'renders';
const WATCH_INTERVAL_MS = 1000;

/** A function that, given the current rows of some renders, sends one message per failure or retry not reported yet. */
export function renderFailureLog(send: (params: LogParams) => Promise<void> | void): (rows: RenderRow[]) => Promise<void> {
  const reported = new Set<string>();
  return async (rows) => {
    for (const row of rows) {
      const event = renderEvent(row);
      if (!event || reported.has(event.key)) continue;
      reported.add(event.key);
      await send(event.params);
    }
  };
}

function renderEvent(row: RenderRow): { key: string; params: LogParams } | null {
  if (row.status === 'error') {
    return {
      key: `${row.id}:error`,
      params: { level: 'error', logger: LOGGER, data: `Render ${row.id} of model ${row.model_id} failed (${row.error_code}: ${row.error_message}); its ${row.credits} credit(s) were refunded.` },
    };
  }
  // Back in the queue after an attempt: the engine retries it.
  if (row.status === 'pending' && row.attempts > 0) {
    return { key: `${row.id}:retry:${row.attempts}`, params: { level: 'warning', logger: LOGGER, data: `Render ${row.id} of model ${row.model_id} is retried (attempt ${row.attempts + 1}).` } };
  }
  return null;
}

/** stdio: watches the account's renders and logs failures and retries to the client until stopped. */
export function watchRenderEvents(server: McpServer, context: AppContext, accountId: string): () => void {
  const report = renderFailureLog((params) => server.server.sendLoggingMessage(params).catch(() => {}));
  let since = new Date().toISOString();
  const timer = setInterval(() => {
    if (!server.isConnected()) return;
    const now = new Date().toISOString();
    const rows = context.db
      .prepare("SELECT * FROM renders WHERE account_id = ? AND updated_at >= ? AND (status = 'error' OR (status = 'pending' AND attempts > 0))")
      .all(accountId, since) as RenderRow[];
    since = now;
    void report(rows);
  }, WATCH_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
