/**
 * The MCP side of ingest, through a real MCP client over an in-memory transport:
 * `get_model` shows the validation report, warnings and facts (it calls the same service
 * function as REST), and `export_usdz` writes an aligned USDZ where the agent asks.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ensureLocalAccount } from '../src/accounts/accounts.js';
import { resolveConfig } from '../src/config.js';
import type { AppContext } from '../src/context.js';
import { openDatabase, type Db } from '../src/db/database.js';
import type { McpSession } from '../src/mcp/session.js';
import { createModelFromFile } from '../src/models/model-service.js';
import { FileStore, hashFile } from '../src/storage/file-store.js';
import { registerExportUsdzTool } from '../tools/export-usdz.js';
import { registerGetModelTool } from '../tools/get-model.js';
import { assertUsdzLayout } from './helpers/usdz-package.js';

let dataDirectory: string;
let db: Db;
let client: Client;
let modelId: string;
let createDraco: () => Promise<{ modelId: string; sha256: string; size: number }>;

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-ingest-mcp-'));
  db = openDatabase(dataDirectory);
  const store = new FileStore(dataDirectory);
  // No job engine: the preview stays pending, which get_model shows as it is.
  const context: AppContext = { db, store, config: resolveConfig({ dataDirectory }), queue: { notify() {}, async cancel() {} } };
  const account = ensureLocalAccount(db, 100);
  const session: McpSession = {
    context,
    transport: 'stdio',
    authorize: () => ({ account, key: null }),
    localRoots: async () => ({ directories: [dataDirectory], source: 'allow-dir' }),
    log: () => {},
  };
  const upload = path.join(store.tempDirectory, 'upload.part');
  await copyFile('fixtures/generated/variants.glb', upload);
  ({ modelId } = await createModelFromFile(context, account.id, { path: upload, sha256: await hashFile(upload), size: 0, originalName: 'variants.glb' }));
  createDraco = async () => {
    const draco = path.join(store.tempDirectory, 'draco.part');
    await copyFile('fixtures/generated/draco.glb', draco);
    const sha256 = await hashFile(draco);
    const { size } = await stat(draco);
    const created = await createModelFromFile(context, account.id, { path: draco, sha256, size, originalName: 'draco.glb' });
    return { modelId: created.modelId, sha256, size };
  };

  const server = new McpServer({ name: 'renderbay-test', version: '0' });
  registerGetModelTool(server, session);
  registerExportUsdzTool(server, session);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  client = new Client({ name: 'test', version: '0' });
  await client.connect(clientSide);
});
after(async () => {
  await client?.close();
  db?.close();
  await rm(dataDirectory, { recursive: true, force: true });
});

test('get_model carries validation, warnings and facts', async () => {
  const result = await client.callTool({ name: 'get_model', arguments: { modelId } });
  assert.notEqual(result.isError, true, JSON.stringify(result.content));
  const model = result.structuredContent as any;
  assert.match(model.validation.validator, /Khronos glTF Validator/);
  assert.equal(model.validation.errors, 0);
  assert.deepEqual(model.warnings, []);
  assert.deepEqual(model.facts.variants, ['Red', 'Blue']);
  assert.deepEqual(model.facts.animations.map((clip: any) => clip.name), ['spin']);
  assert.equal(model.facts.triangles, 12);
});

test('get_model describes the model file as REST serves it: a Draco upload is the upload, not the decoded GLB', async () => {
  const draco = await createDraco();
  const result = await client.callTool({ name: 'get_model', arguments: { modelId: draco.modelId } });
  assert.notEqual(result.isError, true, JSON.stringify(result.content));
  const model = result.structuredContent as any;
  assert.deepEqual(model.file, { format: 'glb', size: draco.size, sha256: draco.sha256 });
});

test('export_usdz writes the package into the directory asked for, with its warnings', async () => {
  const target = path.join(dataDirectory, 'exports');
  const result = await client.callTool({ name: 'export_usdz', arguments: { modelId, directory: target } });
  assert.notEqual(result.isError, true, JSON.stringify(result.content));
  const data = result.structuredContent as any;
  assert.equal(data.path, path.join(target, 'variants.usdz'));
  assert.equal(data.contentType, 'model/vnd.usdz+zip');
  assert.ok(data.warnings.some((warning: string) => /KHR_texture_transform/.test(warning)));
  const bytes = await readFile(data.path);
  assert.equal(bytes.length, data.size);
  const entries = assertUsdzLayout(bytes, [/^model\.usda$/, /^textures\/texture_0\.png$/]);
  assert.match(entries[0].data.toString('utf8'), /def Material "TexturedCubeMaterial"/);

  const missing = await client.callTool({ name: 'export_usdz', arguments: { modelId: 'AAAAAAAAAAAA' } });
  assert.equal(missing.isError, true);
  assert.match(JSON.stringify(missing.content), /model_not_found/);
});
