/**
 * The store-and-reference protocol (src/storage/file-references.ts) with the race forced
 * deterministically: a real SQLite database and file store, and another account's row for
 * the same content deleted and released at the worst moment — after the writer found the
 * file already stored, before its own reference committed. The file must survive.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createAccount } from '../src/accounts/accounts.js';
import { openDatabase, type Db } from '../src/db/database.js';
import { isFileReferenced, releaseFiles, storeAndReference } from '../src/storage/file-references.js';
import { FileStore, type StoredFile } from '../src/storage/file-store.js';

let dataDirectory: string;
let db: Db;

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-references-'));
  db = openDatabase(dataDirectory);
});
after(async () => {
  db.close();
  await rm(dataDirectory, { recursive: true, force: true });
});

function insertOverlay(accountId: string, key: string): string {
  const id = `overlay-${accountId}-${key.slice(0, 6)}`;
  db.prepare(
    `INSERT INTO overlays (id, account_id, layer, alignment, name, file_key, mime_type, file_size, width, height, created_at)
     VALUES (?, ?, 'background', 'center', 'x', ?, 'image/png', 1, 1, 1, ?)`,
  ).run(id, accountId, key, new Date().toISOString());
  return id;
}

/** A store whose placing runs `afterPlace` once, right after the real place: the concurrent deleter. */
class RacingStore extends FileStore {
  places = 0;
  constructor(directory: string, private afterPlace: (() => void) | null) {
    super(directory);
  }
  override async place(tempPath: string, sha256?: string): Promise<StoredFile> {
    const stored = await super.place(tempPath, sha256);
    this.places++;
    const hook = this.afterPlace;
    this.afterPlace = null;
    hook?.();
    return stored;
  }
}

test('a release between placing and referencing the same content does not lose the file: the writer places it again', async () => {
  const owner = createAccount(db, 'owner@example.com', 0);
  const writer = createAccount(db, 'writer@example.com', 0);
  const bytes = Buffer.from('the same bytes, uploaded twice');
  const key = createHash('sha256').update(bytes).digest('hex');

  const first = path.join(dataDirectory, 'first');
  await writeFile(first, bytes);
  const plainStore = new FileStore(dataDirectory);
  const ownersOverlay = await storeAndReference({ db, store: plainStore }, [{ path: first }], ([stored]) => insertOverlay(owner.id, stored.key));
  assert.ok(plainStore.has(key));

  const second = path.join(dataDirectory, 'second');
  await writeFile(second, bytes);
  const store = new RacingStore(dataDirectory, () => {
    // The owner deletes their overlay at the worst moment: the file exists, the writer's row does not yet.
    db.prepare('DELETE FROM overlays WHERE id = ?').run(ownersOverlay);
    assert.equal(releaseFiles({ db, store: plainStore }, [key]), bytes.length, 'released: nothing referenced it at that moment');
    assert.ok(!plainStore.has(key));
  });
  await storeAndReference({ db, store }, [{ path: second, sha256: key }], ([stored]) => insertOverlay(writer.id, stored.key));

  assert.equal(store.places, 2, 'the writer found its file gone at commit and placed it again');
  assert.ok(store.has(key), 'the file exists');
  assert.ok(isFileReferenced(db, key));
  assert.equal(releaseFiles({ db, store }, [key]), 0, 'a referenced file is never released');
  assert.ok(existsSync(second), 'the caller’s temp file is left to the caller');
});

test('a reference that throws (a refused request) leaves nothing stored', async () => {
  const bytes = Buffer.from('refused after storing');
  const file = path.join(dataDirectory, 'refused');
  await writeFile(file, bytes);
  const store = new FileStore(dataDirectory);
  let key = '';
  await assert.rejects(
    storeAndReference({ db, store }, [{ path: file }], ([stored]) => {
      key = stored.key;
      throw new Error('no_credits');
    }),
    /no_credits/,
  );
  assert.ok(key !== '' && !store.has(key));
});
