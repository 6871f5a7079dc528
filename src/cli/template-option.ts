/**
 * `renderbay render --template-id`: the CLI renders a file, not a stored model, but applies
 * a template exactly as the service does (templates/template-parts.ts). A built-in needs
 * nothing else; any other id is a template of the data directory (`--data` or
 * RENDERBAY_DATA) belonging to `--account` (an id or email; default the local account, as
 * `renderbay mcp` uses), and an uploaded environment it names is read from that directory.
 * A missing data directory is not created: the id is simply not found.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findAccountByEmail, getAccount, LOCAL_ACCOUNT_EMAIL } from '../accounts/accounts.js';
import { resolveConfig } from '../config.js';
import { DATABASE_FILE, openDatabase } from '../db/database.js';
import { resolveRenderEnvironment } from '../environments/environment-service.js';
import { RenderbayError } from '../errors.js';
import { FileStore } from '../storage/file-store.js';
import { findBuiltinTemplate } from '../templates/builtin-templates.js';
import { applyTemplate } from '../templates/template-parts.js';
import { findTemplate, templateNotFound } from '../templates/template-service.js';

/**
 * The settings input with `templateId` applied; `environments` receives the file of an
 * uploaded environment the template names (by id, as the renderer looks it up).
 */
export function applyTemplateOption(
  input: Record<string, unknown>,
  options: { data?: string; account?: string },
  environments: Record<string, string>,
): Record<string, unknown> {
  const templateId = input.templateId;
  if (typeof templateId !== 'string' || templateId === '') return input;
  const builtin = findBuiltinTemplate(templateId);
  if (builtin) return applyTemplate(builtin, input);
  const { dataDirectory } = resolveConfig({ dataDirectory: options.data });
  if (!existsSync(path.join(dataDirectory, DATABASE_FILE))) throw templateNotFound(templateId);
  const db = openDatabase(dataDirectory);
  try {
    const account = options.account
      ? (options.account.includes('@') ? findAccountByEmail(db, options.account) : null) ?? getAccount(db, options.account)
      : findAccountByEmail(db, LOCAL_ACCOUNT_EMAIL);
    if (!account) throw templateNotFound(templateId);
    const merged = applyTemplate(findTemplate(db, account.id, templateId), input);
    if (merged.bgImageId !== undefined && input.bgImageId === undefined) {
      throw new RenderbayError('invalid_settings', `Template ${templateId} uses an uploaded background overlay; the CLI takes images as files: pass --bg-image`);
    }
    if (merged.foregroundIds !== undefined && input.foregroundIds === undefined) {
      throw new RenderbayError('invalid_settings', `Template ${templateId} uses uploaded foreground overlays; the CLI takes images as files: pass --foreground`);
    }
    if (typeof merged.environmentImage === 'string' && merged.environmentImage !== input.environmentImage) {
      Object.assign(environments, resolveRenderEnvironment({ db, store: new FileStore(dataDirectory) }, account.id, { environmentImage: merged.environmentImage }));
    }
    return merged;
  } finally {
    db.close();
  }
}
