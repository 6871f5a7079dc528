/**
 * upload_environment over the SDK's client: an HDR panorama from a local path and inline
 * base64 (stdio) and from a URL (Streamable HTTP against `renderbay serve`), read back by
 * REST's GET /v1/environments with the same key; a file that is not HDR/EXR answers
 * invalid_format; a local path over HTTP path_not_allowed; base64 over the inline limit
 * file_too_large; no source or two sources invalid_request.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LIMITS } from '../src/limits.js';
import { api, cli, createKey, startServerProcess, type ServerProcess } from './helpers/api-server.js';
import { uniformHdr } from './helpers/hdr.js';
import { call, callError, connectHttp, connectStdio, serveFiles, type StdioConnection } from './helpers/mcp.js';

let dataDirectory: string;
let hdrPath: string;
let stdio: StdioConnection;
let server: ServerProcess;
let httpClient: Client;
let key: string;
let files: Awaited<ReturnType<typeof serveFiles>>;

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-mcp-environments-'));
  hdrPath = path.join(dataDirectory, 'studio.hdr');
  await writeFile(hdrPath, uniformHdr(64, 32, [1, 0.5, 0.25]));
  await cli('accounts', 'create', '--email', 'agent@example.com', '--credits', '5', '--data', dataDirectory);
  key = await createKey(dataDirectory, { account: 'agent@example.com' });
  files = await serveFiles({ 'sky.hdr': hdrPath, 'logo.png': 'fixtures/generated/overlay-quadrants-tall.png' });
  stdio = await connectStdio(dataDirectory, { args: ['--allow-dir', dataDirectory] });
  server = await startServerProcess(dataDirectory, { allowPrivateUrls: true });
  httpClient = await connectHttp(server.url, key);
});
after(async () => {
  await stdio?.client.close();
  await httpClient?.close();
  await server?.stop();
  files?.close();
  await rm(dataDirectory, { recursive: true, force: true });
});

describe('upload_environment', () => {
  test('stdio: from a local path and from base64, with the size read from the file', async () => {
    const fromPath = await call(stdio.client, 'upload_environment', { path: hdrPath, name: 'Studio' });
    assert.deepEqual([fromPath.name, fromPath.format, fromPath.width, fromPath.height], ['Studio', 'hdr', 64, 32]);
    const inline = await call(stdio.client, 'upload_environment', { base64: uniformHdr(16, 8, [0.2, 0.2, 0.2]).toString('base64'), filename: 'grey.hdr' });
    assert.deepEqual([inline.name, inline.width, inline.height], ['grey.hdr', 16, 8], 'named after the file when no name is given');
    assert.notEqual(inline.id, fromPath.id);
  });

  test('a file that is not HDR/EXR: invalid_format, by path, base64 and url', async () => {
    const png = path.join(dataDirectory, 'logo.png');
    await copyFile('fixtures/generated/overlay-quadrants-tall.png', png);
    const byPath = await callError(stdio.client, 'upload_environment', { path: png });
    assert.deepEqual([byPath.code, byPath.status], ['invalid_format', 400]);
    assert.match(byPath.message, /not a Radiance HDR \(\.hdr\) or OpenEXR \(\.exr\) image/);
    assert.equal((await callError(stdio.client, 'upload_environment', { base64: Buffer.from('not an image').toString('base64'), filename: 'sky.hdr' })).code, 'invalid_format');
    assert.equal((await callError(httpClient, 'upload_environment', { url: `${files.url}/logo.png` })).code, 'invalid_format');
  });

  test('HTTP: from a URL, listed by REST for the same key; a local path is refused', async () => {
    const uploaded = await call(httpClient, 'upload_environment', { url: `${files.url}/sky.hdr`, name: 'Sky' });
    assert.deepEqual([uploaded.name, uploaded.format, uploaded.width, uploaded.height], ['Sky', 'hdr', 64, 32]);
    const listed = await api(server, key, 'GET', '/environments');
    assert.deepEqual(listed.body.data.map((environment: any) => environment.id), [uploaded.id]);
    const tools = (await httpClient.listTools()).tools;
    assert.ok(!('path' in (tools.find((tool) => tool.name === 'upload_environment')!.inputSchema.properties ?? {})), 'no path argument over HTTP');
    assert.equal((await callError(httpClient, 'upload_environment', { path: hdrPath })).code, 'path_not_allowed');
  });

  test('sources: exactly one; base64 within the inline limit, with a filename', async () => {
    assert.equal((await callError(stdio.client, 'upload_environment', {})).code, 'invalid_request');
    assert.equal((await callError(stdio.client, 'upload_environment', { path: hdrPath, url: `${files.url}/sky.hdr` })).code, 'invalid_request');
    assert.equal((await callError(stdio.client, 'upload_environment', { base64: 'AAAA' })).code, 'invalid_request');
    const tooLarge = 'A'.repeat(Math.ceil(LIMITS.mcpInlineFileBytes / 3) * 4 + 8);
    assert.equal((await callError(stdio.client, 'upload_environment', { base64: tooLarge, filename: 'big.hdr' })).code, 'file_too_large');
  });
});
