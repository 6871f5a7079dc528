/**
 * Operator commands on the data directory: `keys`, `accounts`, `credits` and `overlays`.
 * They open the same SQLite database (and file store) as a running server (WAL allows
 * both at once).
 */
import path from 'node:path';
import { Command } from 'commander';
import { createAccount, listAccounts, resolveAccount, setAccountStatus } from '../accounts/accounts.js';
import { createApiKey, listApiKeys, revokeApiKey, SCOPES, type Scope } from '../accounts/api-keys.js';
import { resolveConfig } from '../config.js';
import { recordCreditChange } from '../credits/ledger.js';
import { openDatabase, type Db } from '../db/database.js';
import { RenderbayError } from '../errors.js';
import { copyFileToTemp } from '../storage/temp-copy.js';
import { FileStore } from '../storage/file-store.js';
import { createOverlay, listOverlays, MAX_OVERLAY_BYTES } from '../overlays/overlay-service.js';

function withDatabase<T>(dataDirectory: string | undefined, work: (db: Db, initialCredits: number, dataDirectory: string) => T): T {
  const config = resolveConfig({ dataDirectory });
  const db = openDatabase(config.dataDirectory);
  try {
    return work(db, config.initialCredits, config.dataDirectory);
  } finally {
    db.close();
  }
}

/** The database and file store of a data directory, for commands that store files. */
export async function withDataDirectory<T>(
  dataDirectory: string | undefined,
  work: (context: { db: Db; store: FileStore; dataDirectory: string }) => Promise<T> | T,
): Promise<T> {
  const config = resolveConfig({ dataDirectory });
  const db = openDatabase(config.dataDirectory);
  const store = new FileStore(config.dataDirectory);
  try {
    return await work({ db, store, dataDirectory: config.dataDirectory });
  } finally {
    await store.removeOwnTemp(); // this command's own scratch folder
    db.close();
  }
}

const print = (text: string) => process.stdout.write(`${text}\n`);
const note = (text: string) => process.stderr.write(`${text}\n`);

/** Keys and credits live in one data directory: a server started on another answers 401 for this key. */
const sameDataDirectory = (dataDirectory: string, what: string) =>
  `Data directory: ${dataDirectory} (a server sees ${what} only when it uses the same one: --data ${dataDirectory} or RENDERBAY_DATA)`;

export function registerAdminCommands(program: Command): void {
  const keys = program.command('keys').description('Create, list and revoke API keys');
  keys
    .command('create')
    .description('Create an API key; prints it once (only its hash is stored)')
    .requiredOption('--name <name>', 'what the key is for, e.g. ci')
    .option('--account <id|email>', 'owner (default: the local account)')
    .option('--read-only', 'only the "read" scope')
    .option('--expires-in-days <days>', 'expiry')
    .option('--data <dir>', 'data directory (RENDERBAY_DATA)')
    .action((options: { name: string; account?: string; readOnly?: boolean; expiresInDays?: string; data?: string }) =>
      withDatabase(options.data, (db, initialCredits, dataDirectory) => {
        const account = resolveAccount(db, options.account, initialCredits);
        const days = options.expiresInDays === undefined ? null : Number(options.expiresInDays);
        if (days !== null && !(days > 0)) throw new RenderbayError('invalid_request', '--expires-in-days must be a positive number');
        const scopes: Scope[] = options.readOnly ? ['read'] : [...SCOPES];
        const expiresAt = days === null ? null : new Date(Date.now() + days * 86_400_000).toISOString();
        const { key, info } = createApiKey(db, account.id, { name: options.name, scopes, expiresAt });
        print(key);
        note(`Key ${info.id} "${info.name}" for ${account.email} (${scopes.join(', ')}${expiresAt ? `, expires ${expiresAt}` : ''}). Store it now: it is not shown again.`);
        note(sameDataDirectory(dataDirectory, 'this key'));
      }),
    );
  keys
    .command('list')
    .description('List API keys (never the keys themselves)')
    .option('--account <id|email>', 'only this account')
    .option('--data <dir>', 'data directory (RENDERBAY_DATA)')
    .action((options: { account?: string; data?: string }) =>
      withDatabase(options.data, (db, initialCredits) => {
        const accountId = options.account ? resolveAccount(db, options.account, initialCredits).id : undefined;
        for (const key of listApiKeys(db, accountId)) {
          const state = key.revokedAt ? 'revoked' : key.expiresAt && Date.parse(key.expiresAt) <= Date.now() ? 'expired' : 'active';
          print(`${key.id}  ${key.prefix}…  ${key.name}  account ${key.accountId}  ${key.scopes.join(',')}  ${state}  last used ${key.lastUsedAt ?? 'never'}`);
        }
      }),
    );
  keys
    .command('revoke')
    .description('Revoke an API key by id, prefix or the key itself')
    .argument('<key>', 'key id or prefix (as in keys list), or the whole rb_sk_… key')
    .option('--data <dir>', 'data directory (RENDERBAY_DATA)')
    .action((key: string, options: { data?: string }) =>
      withDatabase(options.data, (db) => {
        const info = revokeApiKey(db, key);
        print(`Revoked ${info.id} (${info.prefix}…, "${info.name}")`);
      }),
    );

  const accounts = program.command('accounts').description('Create and list accounts');
  accounts
    .command('create')
    .requiredOption('--email <email>', 'account email')
    .option('--credits <n>', 'initial credits (default RENDERBAY_INITIAL_CREDITS or 100)')
    .option('--data <dir>', 'data directory (RENDERBAY_DATA)')
    .action((options: { email: string; credits?: string; data?: string }) =>
      withDatabase(options.data, (db, initialCredits) => {
        const credits = options.credits === undefined ? initialCredits : Number(options.credits);
        if (!Number.isInteger(credits) || credits < 0) throw new RenderbayError('invalid_request', '--credits must be a whole number ≥ 0');
        const account = createAccount(db, options.email, credits);
        print(`${account.id}  ${account.email}  ${account.credits} credits`);
      }),
    );
  accounts
    .command('list')
    .option('--data <dir>', 'data directory (RENDERBAY_DATA)')
    .action((options: { data?: string }) =>
      withDatabase(options.data, (db) => {
        for (const account of listAccounts(db)) print(`${account.id}  ${account.email}  ${account.credits} credits  ${account.status}`);
      }),
    );
  for (const [command, status] of [['suspend', 'suspended'], ['activate', 'active']] as const) {
    accounts
      .command(command)
      .argument('<account>', 'account id or email')
      .option('--data <dir>', 'data directory (RENDERBAY_DATA)')
      .action((idOrEmail: string, options: { data?: string }) =>
        withDatabase(options.data, (db, initialCredits) => {
          const account = setAccountStatus(db, resolveAccount(db, idOrEmail, initialCredits).id, status);
          print(`${account.id}  ${account.email}  ${account.status}`);
        }),
      );
  }

  const credits = program.command('credits').description('Grant credits');
  credits
    .command('add')
    .argument('<amount>', 'credits to add (a whole number)')
    .option('--account <id|email>', 'account (default: the local account)')
    .option('--data <dir>', 'data directory (RENDERBAY_DATA)')
    .action((amount: string, options: { account?: string; data?: string }) =>
      withDatabase(options.data, (db, initialCredits, dataDirectory) => {
        const delta = Number(amount);
        if (!Number.isInteger(delta) || delta <= 0) throw new RenderbayError('invalid_request', 'amount must be a positive whole number');
        const account = resolveAccount(db, options.account, initialCredits);
        const balance = db.transaction(() => recordCreditChange(db, account.id, delta, 'grant'))();
        print(`${account.email}: ${balance} credits`);
        note(sameDataDirectory(dataDirectory, 'these credits'));
      }),
    );

  registerOverlayCommands(program);
}

/** System overlays: images every account can use as a background or foreground, published by the operator. */
function registerOverlayCommands(program: Command): void {
  const overlays = program.command('overlays').description('Publish and list system overlays (images every account can use)');
  overlays
    .command('publish')
    .description('Publish an image (PNG, JPEG or WebP, ≤ 10 MB) as a system overlay every account can use; prints its id')
    .argument('<file>', 'the image file')
    .option('--layer <layer>', 'background (default) or foreground')
    .option('--alignment <anchor>', 'crop anchor (background) or position (foreground), default top-left')
    .option('--name <name>', 'display name, ≤ 100 characters (default: the file name)')
    .option('--description <text>', 'short description, ≤ 500 characters')
    .option('--data <dir>', 'data directory (RENDERBAY_DATA)')
    .action((file: string, options: { layer?: string; alignment?: string; name?: string; description?: string; data?: string }) =>
      withDataDirectory(options.data, async (context) => {
        const copy = await copyFileToTemp(path.resolve(file), context.store.tempDirectory, MAX_OVERLAY_BYTES);
        const { data: _data, ...fields } = options;
        const given = Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined));
        const overlay = await createOverlay(context, null, copy, given);
        print(overlay.id);
        note(`System overlay ${overlay.id} "${overlay.name}" (${overlay.layer}, ${overlay.alignment}, ${overlay.width}×${overlay.height}) published: every account lists it and can use it.`);
      }),
    );
  overlays
    .command('list')
    .description('List the system overlays')
    .option('--data <dir>', 'data directory (RENDERBAY_DATA)')
    .action(async (options: { data?: string }) => {
      withDatabase(options.data, (db) => {
        for (const overlay of listOverlays({ db }, null)) {
          print(`${overlay.id}  ${overlay.layer}  ${overlay.alignment}  ${overlay.width}×${overlay.height}  ${overlay.name}`);
        }
      });
    });
}
