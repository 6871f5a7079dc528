/**
 * Templates: saved looks (settings), stills angles (bookmarks) and camera moves (shots).
 * The built-in ones are public and read-only; an account's own are private to it, like
 * overlays and environments (another account's id answers exactly like a missing one:
 * `template_not_found`). `templateId` in render settings is resolved here, once, before a
 * render, batch item or quote is validated (see `resolveTemplateInput`).
 *
 * "public" and "internal" follow the Glossi API's list filters: public templates are the
 * built-ins every account sees; internal ones are the account's own (its workspace).
 */
import { findOwnedRow } from '../db/statements.js';
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { newId, nowIso } from '../ids.js';
import { resolveRenderEnvironment } from '../environments/environment-service.js';
import { LIMITS } from '../limits.js';
import { assertRenderOverlays } from '../overlays/overlay-service.js';
import { parsePaging, type Page, type PagingQuery } from '../paging.js';
import type { StillEntry } from '../settings/stills-settings.js';
import { BUILTIN_TEMPLATES, findBuiltinTemplate } from './builtin-templates.js';
import { applyTemplate, parseTemplateParts, type Shot, type TemplateLook, type TemplateParts } from './template-parts.js';

type Db = AppContext['db'];

export interface Template extends TemplateParts {
  id: string;
  /** true: built in, seen by every account, read-only. false: the account's own. */
  public: boolean;
  /** null for built-ins. */
  createdAt: string | null;
  updatedAt: string | null;
}

interface TemplateRow {
  id: string;
  account_id: string;
  name: string;
  description: string | null;
  settings: string;
  bookmarks: string;
  shots: string;
  created_at: string;
  updated_at: string;
}

export interface TemplateQuery extends PagingQuery {
  /** false: leave the public (built-in) templates out. */
  public?: unknown;
  /** false: leave the account's own (internal) templates out. */
  internal?: unknown;
}

const toTemplate = (row: TemplateRow): Template => ({
  id: row.id,
  name: row.name,
  description: row.description,
  public: false,
  settings: JSON.parse(row.settings) as Record<string, unknown>,
  bookmarks: JSON.parse(row.bookmarks) as StillEntry[],
  shots: JSON.parse(row.shots) as Shot[],
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const BUILTINS: Template[] = BUILTIN_TEMPLATES.map((template) => ({ ...template, public: true, createdAt: null, updatedAt: null }));

/** Unknown, or another account's: the message names the public templates only. */
export function templateNotFound(id: string): RenderbayError {
  const shown = id.length > 100 ? `${id.slice(0, 100)}…` : id;
  return new RenderbayError(
    'template_not_found',
    `Template not found: "${shown}" (built-in templates: ${BUILTINS.map((template) => template.id).join(', ')}; yours: GET /v1/templates?public=false or list_templates)`,
    404,
  );
}

/** A built-in or one of this account's templates. */
export function findTemplate(db: Db, accountId: string, templateId: unknown): Template {
  if (typeof templateId !== 'string' || templateId === '') throw templateNotFound(String(templateId ?? ''));
  const builtin = BUILTINS.find((template) => template.id === templateId);
  if (builtin) return builtin;
  return toTemplate(findOwnedRow<TemplateRow>(db, 'templates', accountId, templateId, () => templateNotFound(templateId)));
}

/** An account's template that may change; a built-in one is refused with `template_read_only`. */
function findOwnTemplateRow(db: Db, accountId: string, templateId: unknown, action: string): TemplateRow {
  if (typeof templateId === 'string' && findBuiltinTemplate(templateId)) {
    throw new RenderbayError('template_read_only', `"${templateId}" is a built-in template and cannot be ${action}; create your own (POST /v1/templates) from its settings`, 403);
  }
  return findOwnedRow<TemplateRow>(db, 'templates', accountId, templateId, () => templateNotFound(typeof templateId === 'string' ? templateId : ''));
}

function filterFlag(name: string, value: unknown): boolean {
  if (value === undefined || value === '' || value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new RenderbayError('invalid_request', `${name} must be true or false`);
}

/** Built-ins first (in their fixed order), then the account's own, newest first. */
export function listTemplates(context: Pick<AppContext, 'db'>, accountId: string, query: TemplateQuery = {}): Page<Template> {
  const { limit, offset } = parsePaging(query);
  const builtins = filterFlag('public', query.public) ? BUILTINS : [];
  const own = filterFlag('internal', query.internal);
  const ownTotal = own ? (context.db.prepare('SELECT COUNT(*) AS total FROM templates WHERE account_id = ?').get(accountId) as { total: number }).total : 0;
  const data = builtins.slice(offset, offset + limit);
  const remaining = limit - data.length;
  if (own && remaining > 0) {
    const rows = context.db
      .prepare('SELECT * FROM templates WHERE account_id = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?')
      .all(accountId, remaining, Math.max(0, offset - builtins.length)) as TemplateRow[];
    data.push(...rows.map(toTemplate));
  }
  return { data, meta: { total: builtins.length + ownTotal, offset, limit } };
}

export function getTemplate(context: Pick<AppContext, 'db'>, accountId: string, templateId: unknown): Template {
  return findTemplate(context.db, accountId, templateId);
}

/** The stored things a look names (overlays, an uploaded environment) must be the account's, as for a render. */
function assertOwnFiles(context: AppContext, accountId: string, settings: Record<string, unknown> | undefined): void {
  if (!settings) return;
  assertRenderOverlays(context, accountId, settings as { bgImageId?: string; foregroundIds?: string[] });
  resolveRenderEnvironment(context, accountId, settings as { environmentImage?: string });
}

export function createTemplate(context: AppContext, accountId: string, body: unknown): Template {
  const parts = parseTemplateParts(body) as TemplateParts;
  assertOwnFiles(context, accountId, parts.settings);
  const id = newId();
  const now = nowIso();
  context.db.transaction(() => {
    const count = (context.db.prepare('SELECT COUNT(*) AS count FROM templates WHERE account_id = ?').get(accountId) as { count: number }).count;
    if (count >= LIMITS.maxTemplatesPerAccount) {
      throw new RenderbayError('too_many', `An account keeps at most ${LIMITS.maxTemplatesPerAccount} templates; delete some first`, 400);
    }
    context.db
      .prepare('INSERT INTO templates (id, account_id, name, description, settings, bookmarks, shots, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, accountId, parts.name, parts.description, JSON.stringify(parts.settings), JSON.stringify(parts.bookmarks), JSON.stringify(parts.shots), now, now);
  })();
  return findTemplate(context.db, accountId, id);
}

/** Replaces the parts given (a part is replaced whole: `settings` is the new look, not a patch of it). */
export function updateTemplate(context: AppContext, accountId: string, templateId: unknown, body: unknown): Template {
  const row = findOwnTemplateRow(context.db, accountId, templateId, 'changed');
  const parts = parseTemplateParts(body, { partial: true });
  assertOwnFiles(context, accountId, parts.settings);
  const columns: Record<string, unknown> = {
    name: parts.name,
    description: parts.description,
    settings: parts.settings && JSON.stringify(parts.settings),
    bookmarks: parts.bookmarks && JSON.stringify(parts.bookmarks),
    shots: parts.shots && JSON.stringify(parts.shots),
  };
  const changed = Object.entries(columns).filter(([column]) => Object.hasOwn(parts, column));
  if (changed.length > 0) {
    context.db
      .prepare(`UPDATE templates SET ${changed.map(([column]) => `${column} = ?`).join(', ')}, updated_at = ? WHERE id = ?`)
      .run(...changed.map(([, value]) => value), nowIso(), row.id);
  }
  return findTemplate(context.db, accountId, row.id);
}

export function deleteTemplate(context: Pick<AppContext, 'db'>, accountId: string, templateId: unknown): { id: string; deleted: true } {
  const row = findOwnTemplateRow(context.db, accountId, templateId, 'deleted');
  context.db.prepare('DELETE FROM templates WHERE id = ?').run(row.id);
  return { id: row.id, deleted: true };
}

/**
 * A render settings input with its `templateId` resolved: the template's look (and
 * bookmarks or first shot) merged under the fields the request gave. Input without a
 * templateId, or that is not an object, is returned as it came (the schema judges it).
 * The templateId stays in the result, so the stored settings say which template gave them.
 */
export function resolveTemplateInput(db: Db, accountId: string, input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const { templateId } = input as { templateId?: unknown };
  // No template, or an id that is not one at all: the schema judges (invalid_settings).
  if (typeof templateId !== 'string' || templateId === '') return input;
  const template: TemplateLook = findTemplate(db, accountId, templateId);
  return applyTemplate(template, input as Record<string, unknown>);
}
