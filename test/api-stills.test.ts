/**
 * Stills over REST and MCP on a real server: a stills render of the compass cube is
 * priced per image (quote and debit), listed by GET /renders/:id/stills, served one by
 * one with Range and ETag, bundled under stills/, posted as its first still, and shown
 * small inline by get_render; bad input answers with the codes a client can act on.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import sharp from 'sharp';
import { api, createKey, expectError, modelForm, startServerProcess, waitForRender, type ServerProcess } from './helpers/api-server.js';
import { zipEntries } from './helpers/files.js';
import { call, connectHttp } from './helpers/mcp.js';

const COMPASS = 'fixtures/generated/compass-cube.glb';
const STILLS_SETTINGS = { output: 'stills', stills: ['front', { name: 'left', azimuth: -90, elevation: 5 }], imageSize: '96x64' };

let dataDirectory: string;
let server: ServerProcess;
let key: string;
let client: Client;

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-api-stills-'));
  key = await createKey(dataDirectory);
  server = await startServerProcess(dataDirectory);
  client = await connectHttp(server.url, key);
});
after(async () => {
  await client?.close();
  await server?.stop();
  await rm(dataDirectory, { recursive: true, force: true });
});

async function download(route: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${route}`, { headers: { authorization: `Bearer ${key}`, ...headers } });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

describe('stills over REST and MCP', () => {
  let renderId: string;

  test('quote prices stills per image by size tier', async () => {
    const quote = await api(server, key, 'POST', '/quote', {
      renders: [{ output: 'stills' }, { output: 'stills', imageSize: '3000x200', stills: ['top'] }, { output: 'stills', imageSize: '4k', stills: ['front', 'side'], transparent: true }],
    });
    assert.equal(quote.status, 200, JSON.stringify(quote.body));
    assert.deepEqual(quote.body.data.breakdown, [
      { output: 'stills', imageSize: '1080p', images: 4, credits: 4 },
      { output: 'stills', imageSize: '3000x200', images: 1, credits: 4 },
      { output: 'stills', imageSize: '4k', images: 2, credits: 8 },
    ]);
  });

  test('bad input: an unknown still name lists the valid ones; transparent JPEG and sizes out of range are invalid_settings', async () => {
    const upload = async (renderSettings: unknown) => api(server, key, 'POST', '/models', await modelForm(COMPASS, renderSettings));
    expectError(await upload({ output: 'stills', stills: ['frontal'] }), 400, 'invalid_settings', /unknown still "frontal".*front, three-quarter, side, back, top, three-quarter-high/);
    expectError(await upload({ output: 'stills', transparent: true, imageFormat: 'jpeg' }), 400, 'invalid_settings', /transparent/);
    expectError(await upload({ output: 'stills', imageSize: '5000x100' }), 400, 'invalid_settings', /64 to 4096/);
  });

  test('a stills render: debited per image, done, listed in order with format, size and URL', async () => {
    const before = (await api(server, key, 'GET', '/account')).body.data.credits;
    const created = await api(server, key, 'POST', '/models', await modelForm(COMPASS, STILLS_SETTINGS));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    renderId = created.body.data.renderId;
    assert.equal((await api(server, key, 'GET', '/account')).body.data.credits, before - 2, 'two 720p-tier stills at 1 credit each');
    const { render } = await waitForRender(server, key, renderId);
    assert.equal(render.status, 'done', render.errorMessage);
    const listed = await api(server, key, 'GET', `/renders/${renderId}/stills`);
    assert.equal(listed.status, 200);
    const data = listed.body.data as { name: string; format: string; width: number; height: number; size: number; url: string }[];
    assert.deepEqual(
      data.map(({ name, format, width, height, url }) => ({ name, format, width, height, url })),
      ['front', 'left'].map((name) => ({ name, format: 'png', width: 96, height: 64, url: `/v1/renders/${renderId}/stills/${name}` })),
    );
    assert.equal(render.fileSize, data[0].size + data[1].size);
  });

  test('GET …/stills/:name serves the image with Range, ETag and immutable caching; unknown names list the stills', async () => {
    const whole = await download(`/renders/${renderId}/stills/left`);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-type'), 'image/png');
    assert.match(whole.headers.get('cache-control') ?? '', /immutable/);
    const metadata = await sharp(whole.bytes).metadata();
    assert.deepEqual([metadata.format, metadata.width, metadata.height], ['png', 96, 64]);
    const part = await download(`/renders/${renderId}/stills/left`, { range: 'bytes=10-49' });
    assert.equal(part.status, 206);
    assert.deepEqual(part.bytes, whole.bytes.subarray(10, 50));
    const cached = await download(`/renders/${renderId}/stills/left`, { 'if-none-match': whole.headers.get('etag')! });
    assert.equal(cached.status, 304);
    const missing = await api(server, key, 'GET', `/renders/${renderId}/stills/back`);
    expectError(missing, 404, 'still_not_found', /its stills: front, left/);
  });

  test('the poster is the first still; the bundle holds the stills under stills/', async () => {
    const poster = await download(`/renders/${renderId}/poster?quality=full`);
    const front = await download(`/renders/${renderId}/stills/front`);
    const [posterPixels, frontPixels] = await Promise.all([poster, front].map(({ bytes }) => sharp(bytes).raw().toBuffer()));
    assert.deepEqual(posterPixels, frontPixels);
    const bundle = await download(`/renders/${renderId}/bundle`);
    assert.equal(bundle.status, 200);
    assert.deepEqual([...(await zipEntries(bundle.bytes)).keys()].sort(), ['poster-thumb.png', 'poster.png', 'stills/front.png', 'stills/left.png']);
  });

  test('MCP: get_render with a preview shows every still small inline; download_render lists them with their URLs', async () => {
    const result = await call(client, 'get_render', { renderId, preview: 'final' });
    const images = result.$result.content.filter((block: { type: string }) => block.type === 'image');
    assert.equal(images.length, 2);
    for (const image of images) {
      const { width, height } = await sharp(Buffer.from((image as { data: string }).data, 'base64')).metadata();
      assert.ok(width! <= 384 && height! <= 384);
    }
    const files = await call(client, 'download_render', { renderId });
    const stills = (files.files as { name: string; fileName: string; url: string }[]).filter((file) => file.name.startsWith('still:'));
    assert.deepEqual(
      stills.map((file) => [file.name, file.fileName]),
      [
        ['still:front', 'front.png'],
        ['still:left', 'left.png'],
      ],
    );
    assert.match(stills[1].url, new RegExp(`/v1/renders/${renderId}/stills/left\\?expires=\\d+&sig=[0-9a-f]{32}$`));
    assert.equal((await fetch(stills[1].url)).headers.get('content-type'), 'image/png', 'the signed URL opens without a key');
  });

  test('a video render has no stills list', async () => {
    const model = await api(server, key, 'GET', '/models');
    const preview = (model.body.data as { id: string }[])[0];
    const renders = await api(server, key, 'GET', `/models/${preview.id}`);
    const video = (renders.body.data.renders as { id: string; renderSettings: { output: string } }[]).find((item) => item.renderSettings.output === 'video')!;
    expectError(await api(server, key, 'GET', `/renders/${video.id}/stills`), 404, 'still_not_found', /not a stills render/);
  });
});
