/**
 * Who may see a render without a key: a render is shareable while its account has sharing on
 * (`PATCH /v1/account { "sharing": false }` turns off every share page of the account) and the
 * render itself has not been withdrawn (`PATCH /v1/renders/:id { "shareable": false }`), and it
 * is done. Every public route asks `findShareableRender`, and a render that is not shareable
 * answers exactly like one that does not exist: the same 404, code and message.
 */
import type { AppContext } from '../context.js';
import { getAccount } from '../accounts/accounts.js';
import { statement } from '../db/statements.js';
import { RenderbayError } from '../errors.js';
import { findRenderRow, getRender, type RenderRow } from '../renders/render-service.js';

/** A shareable render's row with its model's title and SKU (for the page), or the 404 of a missing render. */
export interface ShareableRender {
  row: RenderRow;
  title: string | null;
  sku: string | null;
  modelName: string;
}

const notFound = () => new RenderbayError('render_not_found', 'Render not found', 404);

export function findShareableRender(context: AppContext, renderId: string | undefined): ShareableRender {
  if (!renderId) throw notFound();
  const found = statement(
    context.db,
    `SELECT r.*, m.title AS model_title, m.sku AS model_sku, m.original_name AS model_name
       FROM renders r JOIN accounts a ON a.id = r.account_id JOIN models m ON m.id = r.model_id
      WHERE r.id = ? AND r.status = 'done' AND r.shareable = 1 AND a.sharing = 1 AND a.status = 'active'`,
  ).get(renderId) as (RenderRow & { model_title: string | null; model_sku: string | null; model_name: string }) | undefined;
  if (!found) throw notFound();
  const { model_title, model_sku, model_name, ...row } = found;
  return { row, title: model_title, sku: model_sku, modelName: model_name };
}

/** Whether a render of the account (one it owns) is shareable now, ignoring its status. */
export function isShareable(context: AppContext, row: Pick<RenderRow, 'id' | 'account_id'>): boolean {
  return statement(context.db, 'SELECT 1 FROM renders r JOIN accounts a ON a.id = r.account_id WHERE r.id = ? AND r.shareable = 1 AND a.sharing = 1').get(row.id) !== undefined;
}

export function accountSharing(context: AppContext, accountId: string): boolean {
  return (statement(context.db, 'SELECT sharing FROM accounts WHERE id = ?').get(accountId) as { sharing: number } | undefined)?.sharing === 1;
}

function requireBoolean(body: unknown, field: string): boolean | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new RenderbayError('invalid_request', 'The body must be a JSON object', 400);
  const value = (body as Record<string, unknown>)[field];
  if (value !== undefined && typeof value !== 'boolean') throw new RenderbayError('invalid_request', `${field} must be true or false`, 400);
  const unknown = Object.keys(body).filter((key) => key !== field);
  if (unknown.length > 0) throw new RenderbayError('invalid_request', `Unknown field(s): ${unknown.join(', ')} (only "${field}" can be changed here)`, 400);
  return value;
}

/** `PATCH /v1/account { "sharing": boolean }`: share pages of the whole account on or off. */
export function updateAccountSharing(context: AppContext, accountId: string, body: unknown): { sharing: boolean } {
  const sharing = requireBoolean(body, 'sharing');
  getAccount(context.db, accountId);
  if (sharing !== undefined) context.db.prepare('UPDATE accounts SET sharing = ? WHERE id = ?').run(sharing ? 1 : 0, accountId);
  return { sharing: accountSharing(context, accountId) };
}

/** `PATCH /v1/renders/:id { "shareable": boolean }`: the render as GET shows it, plus its own switch. */
export function updateRenderSharing(context: AppContext, accountId: string, renderId: unknown, body: unknown): ReturnType<typeof getRender> & { shareable: boolean } {
  const shareable = requireBoolean(body, 'shareable');
  const row = findRenderRow(context, accountId, renderId);
  if (shareable !== undefined) context.db.prepare('UPDATE renders SET shareable = ? WHERE id = ?').run(shareable ? 1 : 0, row.id);
  const current = statement(context.db, 'SELECT shareable FROM renders WHERE id = ?').get(row.id) as { shareable: number };
  return { ...getRender(context, accountId, row.id), shareable: current.shareable === 1 };
}
