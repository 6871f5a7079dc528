/**
 * Where the stdio MCP server may read and write on the user's disk, through the SDK's
 * own Client spawning the built `renderbay mcp`: a file that is not a model is refused
 * and nothing of it stored; writes never follow a planted symlink and never replace a
 * file; local paths stay inside `--allow-dir` (or the roots a client declares, asked
 * again when they change), never reach hidden entries, and a symlink cannot lead out.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, readlink, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { allowDirectories } from '../src/mcp/local-roots.js';
import { call, callError, connectStdio, waitWithProgress, type StdioConnection } from './helpers/mcp.js';

const MODEL = 'fixtures/generated/textured-cube.glb';
let base: string;
let dataDirectory: string;
/** The one --allow-dir. */
let allowed: string;
/** A sibling of it, which nothing may reach. */
let outside: string;
let mcp: StdioConnection;
let renderId: string;
let modelId: string;

/** Every file under a folder (relative paths), to show that nothing was added. */
async function tree(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => !entry.isDirectory()).map((entry) => path.relative(folder, path.join(entry.parentPath ?? entry.path, entry.name))).sort();
}

before(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'renderbay-mcp-paths-'));
  dataDirectory = path.join(base, 'data');
  allowed = path.join(base, 'allowed');
  outside = path.join(base, 'outside');
  await mkdir(allowed);
  await mkdir(outside);
  await copyFile(MODEL, path.join(allowed, 'cube.glb'));
  mcp = await connectStdio(dataDirectory, { args: ['--allow-dir', allowed] });
  const ingested = await call(mcp.client, 'ingest_model', { path: path.join(allowed, 'cube.glb') });
  ({ modelId, renderId } = ingested);
  const { render } = await waitWithProgress(mcp.client, renderId);
  assert.equal(render.status, 'done', JSON.stringify(render));
});
after(async () => {
  await mcp?.client.close();
  await rm(base, { recursive: true, force: true });
});

describe('reading', () => {
  test('a JSON secret is not a model: refused by its name or its content, and nothing of it is stored', async () => {
    const modelsBefore = (await call(mcp.client, 'list_models')).meta.total;
    const storeBefore = await tree(path.join(dataDirectory, 'store'));
    const cases: [string, RegExp][] = [
      ['credentials.json', /credentials\.json is not a \.glb, \.gltf or \.zip/],
      ['credentials.gltf', /The file is not a glTF model: it is JSON without the asset\.version/],
      ['service-account', /The file is not a glTF model/],
    ];
    for (const [name, message] of cases) {
      await writeFile(path.join(allowed, name), '{"aws_secret_access_key": "not-a-model"}\n');
      const refused = await callError(mcp.client, 'ingest_model', { path: path.join(allowed, name) });
      assert.equal(refused.code, 'invalid_format', name);
      assert.match(refused.message, message, name);
    }
    assert.equal((await call(mcp.client, 'list_models')).meta.total, modelsBefore, 'no model was created');
    assert.deepEqual(await tree(path.join(dataDirectory, 'store')), storeBefore, 'store/ is unchanged');
    assert.deepEqual((await tree(path.join(dataDirectory, 'tmp'))).filter((name) => /local-|ingest-/.test(name)), [], 'no copy left in tmp/');
  });

  test('a path outside --allow-dir is refused with path_not_allowed, naming the allowed roots', async () => {
    await copyFile(MODEL, path.join(outside, 'cube.glb'));
    for (const refusedPath of [path.join(outside, 'cube.glb'), path.join(outside, 'missing.glb'), '~/cube.glb']) {
      const refused = await callError(mcp.client, 'ingest_model', { path: refusedPath });
      assert.equal(refused.code, 'path_not_allowed', refusedPath);
      assert.ok(refused.message.includes(`Allowed roots: ${allowed}.`), refused.message);
      assert.match(refused.message, /--allow-dir/);
    }
    const overlay = await callError(mcp.client, 'upload_overlay', { path: path.join(outside, 'cube.glb') });
    assert.equal(overlay.code, 'path_not_allowed');
  });

  test('hidden entries are refused, even inside an allowed root', async () => {
    await mkdir(path.join(allowed, '.ssh'));
    await copyFile(MODEL, path.join(allowed, '.ssh', 'id_rsa.glb'));
    await copyFile(MODEL, path.join(allowed, '.hidden.glb'));
    for (const hidden of [path.join(allowed, '.ssh', 'id_rsa.glb'), path.join(allowed, '.hidden.glb'), '~/.ssh/id_rsa']) {
      const refused = await callError(mcp.client, 'ingest_model', { path: hidden });
      assert.equal(refused.code, 'path_not_allowed', hidden);
      assert.match(refused.message, /hidden entry "\.(ssh|hidden\.glb)"/);
      assert.ok(refused.message.includes(allowed), 'names the allowed roots');
    }
    // A visible link to a hidden file is the hidden file.
    await symlink(path.join(allowed, '.ssh', 'id_rsa.glb'), path.join(allowed, 'innocent.glb'));
    assert.equal((await callError(mcp.client, 'ingest_model', { path: path.join(allowed, 'innocent.glb') })).code, 'path_not_allowed');
  });

  test('a symlink leading out of the root is refused', async () => {
    await symlink(path.join(outside, 'cube.glb'), path.join(allowed, 'escape.glb'));
    const refused = await callError(mcp.client, 'ingest_model', { path: path.join(allowed, 'escape.glb') });
    assert.equal(refused.code, 'path_not_allowed');
    // os.tmpdir() is itself a link on some systems: the message shows the resolved path.
    assert.ok(refused.message.includes(`resolves to ${path.join(await realpath(outside), 'cube.glb')}`), refused.message);
    await symlink(outside, path.join(allowed, 'escape-dir'));
    assert.equal((await callError(mcp.client, 'ingest_model', { path: path.join(allowed, 'escape-dir', 'cube.glb') })).code, 'path_not_allowed');
  });

  test('a named pipe is refused at once, not waited on', async () => {
    const pipe = path.join(allowed, 'pipe.glb');
    execFileSync('mkfifo', [pipe]);
    const refused = await callError(mcp.client, 'ingest_model', { path: pipe });
    assert.deepEqual([refused.code, refused.message], ['invalid_request', `${await realpath(pipe)} is not a file`]);
  });
});

describe('writing', () => {
  test('download_render writes into a new folder inside the root; asking again finds the same files', async () => {
    const target = path.join(allowed, 'renders', 'cube');
    const first = await call(mcp.client, 'download_render', { renderId, directory: target });
    const video = first.files.find((file: any) => file.name === 'video');
    assert.equal(video.path, path.join(target, `${renderId}-video.mp4`));
    assert.deepEqual([...(await readFile(video.path)).subarray(4, 8)].map((byte) => String.fromCharCode(byte)).join(''), 'ftyp');
    const again = await call(mcp.client, 'download_render', { renderId, directory: target });
    assert.deepEqual(again.files.map((file: any) => file.path), first.files.map((file: any) => file.path));
    assert.deepEqual(await tree(target), first.files.map((file: any) => path.basename(file.path)).sort(), 'no temporary file is left');
  });

  test('a planted symlink in the download folder is not followed; its target is unchanged and nothing is written', async () => {
    const target = path.join(allowed, 'planted');
    await mkdir(target);
    const victim = path.join(outside, 'victim.txt');
    await writeFile(victim, 'precious');
    await symlink(victim, path.join(target, `${renderId}-poster.png`));
    await symlink(path.join(outside, 'created-through-link.mp4'), path.join(target, `${renderId}-video.mp4`)); // dangling
    const refused = await callError(mcp.client, 'download_render', { renderId, directory: target });
    assert.equal(refused.code, 'file_exists');
    assert.equal(await readFile(victim, 'utf8'), 'precious');
    await assert.rejects(lstat(path.join(outside, 'created-through-link.mp4')), { code: 'ENOENT' });
    assert.deepEqual(await tree(target), [`${renderId}-poster.png`, `${renderId}-video.mp4`], 'all or nothing: no file was written beside the links');
    assert.equal(await readlink(path.join(target, `${renderId}-poster.png`)), victim, 'the link itself is left alone');

    // export_usdz writes the same way.
    await symlink(victim, path.join(target, 'cube.usdz'));
    assert.equal((await callError(mcp.client, 'export_usdz', { modelId, directory: target })).code, 'file_exists');
    assert.equal(await readFile(victim, 'utf8'), 'precious');
  });

  test('an existing file is never overwritten', async () => {
    const target = path.join(allowed, 'existing');
    await mkdir(target);
    await writeFile(path.join(target, 'cube.usdz'), 'my own work');
    const refused = await callError(mcp.client, 'export_usdz', { modelId, directory: target });
    assert.equal(refused.code, 'file_exists');
    assert.ok(refused.message.includes(path.join(target, 'cube.usdz')));
    assert.equal(await readFile(path.join(target, 'cube.usdz'), 'utf8'), 'my own work');
    const elsewhere = await call(mcp.client, 'export_usdz', { modelId, directory: path.join(target, 'fresh') });
    assert.equal(elsewhere.path, path.join(target, 'fresh', 'cube.usdz'));
  });

  test('folders outside the root, hidden, or reached through a symlink out are refused and not created', async () => {
    const cases = [path.join(outside, 'new-folder'), path.join(allowed, '.cache', 'renders'), path.join(allowed, 'escape-out', 'deeper')];
    await symlink(outside, path.join(allowed, 'escape-out'));
    for (const directory of cases) {
      assert.equal((await callError(mcp.client, 'download_render', { renderId, directory })).code, 'path_not_allowed', directory);
    }
    assert.deepEqual(await readdir(outside).then((names) => names.filter((name) => /new-folder|deeper/.test(name))), []);
    await assert.rejects(lstat(path.join(allowed, '.cache')), { code: 'ENOENT' });
  });
});

describe('client roots', () => {
  test('a client that declares roots is confined to them, asked again when they change', async () => {
    const rootA = path.join(base, 'root-a');
    const rootB = path.join(base, 'root-b');
    await mkdir(rootA);
    await mkdir(rootB);
    await copyFile(MODEL, path.join(rootA, 'a.glb'));
    await writeFile(path.join(rootB, 'b.glb'), await readFile(MODEL));
    let roots = [rootA];
    const client = new Client({ name: 'renderbay-roots-test', version: '1.0.0' }, { capabilities: { roots: { listChanged: true } } });
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: roots.map((root) => ({ uri: pathToFileURL(root).href, name: path.basename(root) })) }));
    // No --allow-dir: without roots, the start directory (the repository, with the fixtures) would be allowed.
    const withRoots = await connectStdio(path.join(base, 'data-roots'), { client });
    try {
      const fixture = await callError(client, 'ingest_model', { path: path.resolve(MODEL) });
      assert.equal(fixture.code, 'path_not_allowed');
      assert.ok(fixture.message.includes(`Allowed roots (declared by your MCP client): ${rootA}.`), fixture.message);
      await call(client, 'ingest_model', { path: path.join(rootA, 'a.glb') });
      await symlink(path.join(outside, 'cube.glb'), path.join(rootA, 'escape.glb'));
      assert.equal((await callError(client, 'ingest_model', { path: path.join(rootA, 'escape.glb') })).code, 'path_not_allowed');

      roots = [rootB];
      await client.sendRootsListChanged();
      // The notification and the next call travel in order on stdio; the server asks for the roots again.
      const moved = await callError(client, 'ingest_model', { path: path.join(rootA, 'a.glb') });
      assert.equal(moved.code, 'path_not_allowed');
      assert.ok(moved.message.includes(rootB), moved.message);
      const ingested = await call(client, 'ingest_model', { path: path.join(rootB, 'b.glb') });
      assert.equal(ingested.duplicate, true, 'the same bytes as a.glb');
    } finally {
      await client.close();
    }
  });
});

describe('allowed directories without client roots', () => {
  test('--allow-dir wins over RENDERBAY_ALLOW_DIRS, which wins over the start directory and home; a start at / adds nothing', () => {
    const env = { RENDERBAY_ALLOW_DIRS: ['/srv/models', '~/Renders', ''].join(path.delimiter) };
    assert.deepEqual(allowDirectories(['~/a', 'b', '/c/'], env, '/work/project', '/home/user'), ['/home/user/a', '/work/project/b', '/c']);
    assert.deepEqual(allowDirectories([], env, '/work/project', '/home/user'), ['/srv/models', '/home/user/Renders']);
    assert.deepEqual(allowDirectories([], {}, '/work/project', '/home/user'), ['/work/project', '/home/user']);
    assert.deepEqual(allowDirectories([], {}, '/', '/home/user'), ['/home/user']);
    assert.deepEqual(allowDirectories([], {}, '/home/user', '/home/user'), ['/home/user']);
  });
});
