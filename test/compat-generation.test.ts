/**
 * The generation surfaces with providers: a real `renderbay serve --grok3d-open` whose
 * text-to-image, image-to-3D and image-to-image providers are the local stand-ins of
 * test/helpers/provider-servers.ts (answering as their documentation says). The Grok 3D
 * document's `generateAndDownload`, verbatim but for the base URL, runs a generated job to
 * its USDZ through the documented stages in order; the job's assets are a JPEG, a GLB and a
 * USDZ; another account's job is a 404. A 3Dimensions image render is restyled by the
 * image-to-image provider and answered done with its output and cost.
 * (Needs the generation branch's service and test/helpers/provider-servers.ts: it runs once merged.)
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { cli, createKey, startServerProcess, type ServerProcess } from './helpers/api-server.js';
import { curl } from './helpers/curl.js';
import { loadDocumentExamples } from './helpers/grok3d-document.js';
import { providerEnvironment, startMeshy, startOpenAiImages, type ProviderServer } from './helpers/provider-servers.js';

const STAGES = ['initializing', 'generating_image', 'generating_3d', 'converting_usdz', 'complete'];
const GENERATION_TIMEOUT_MS = 120_000;

let dataDirectory: string;
let server: ServerProcess;
let images: ProviderServer;
let meshy: ProviderServer;
let grok: string;
let dimensions: string;
let localKey: string;
let otherKey: string;

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-compat-generation-'));
  [images, meshy] = await Promise.all([startOpenAiImages(), startMeshy('fixtures/examples/animated-morph-cube.glb')]);
  meshy.script.pollsBeforeDone = 2;
  await cli('accounts', 'create', '--email', 'other@example.com', '--credits', '100', '--data', dataDirectory);
  localKey = await createKey(dataDirectory); // the local account, as keyless loopback callers act
  otherKey = await createKey(dataDirectory, { account: 'other@example.com' });
  // The stand-ins listen on 127.0.0.1: the provider calls need private addresses allowed.
  server = await startServerProcess(dataDirectory, { allowPrivateUrls: true, args: ['--grok3d-open'], env: providerEnvironment({ images, meshy }) });
  grok = server.url.replace(/\/v1$/, '/compat/grok3d');
  dimensions = server.url.replace(/\/v1$/, '/compat/3dimensions');
});

after(async () => {
  await server?.stop();
  await Promise.all([images?.close(), meshy?.close()]);
  await rm(dataDirectory, { recursive: true, force: true });
});

test("the document's generateAndDownload runs a generated job through its stages to the USDZ", async () => {
  const page = await loadDocumentExamples(grok);
  const prompt = 'A futuristic robot cat with glowing blue eyes';
  await page.generateAndDownload(prompt);
  const deadline = Date.now() + GENERATION_TIMEOUT_MS;
  while (page.navigations.length === 0 && page.errors.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
  page.stop();
  assert.deepEqual(page.errors, [], 'the job did not fail');
  const usdzUrl = page.navigations.at(-1);
  assert.ok(usdzUrl, `finished within ${GENERATION_TIMEOUT_MS / 1000} s (log: ${page.logs.join(' | ')})`);
  const jobId = /\/api\/asset\/([^?]+)\?asset_type=usdz$/.exec(usdzUrl)?.[1];
  assert.ok(jobId);

  // What the document's poll logged: stages in the documented order, progress never going back.
  const seen = page.logs.map((line) => /^Progress: (\d+(?:\.\d+)?)% - Stage: (\w+)$/.exec(line)).filter((match) => match !== null);
  assert.equal(seen.length, page.logs.length, page.logs.join(' | '));
  const stages = seen.map((match) => STAGES.indexOf(match![2]));
  const progress = seen.map((match) => Number(match![1]));
  assert.ok(stages.every((stage, index) => stage >= 0 && (index === 0 || stage >= stages[index - 1])), page.logs.join(' | '));
  assert.ok(progress.every((value, index) => index === 0 || value >= progress[index - 1]), page.logs.join(' | '));
  assert.equal(seen.at(-1)![2], 'complete');
  assert.equal(progress.at(-1), 100);

  const status = await curl(`${grok}/api/status/${jobId}`);
  assert.equal(status.status, 200);
  assert.equal(status.body.status, 'complete');
  assert.equal(status.body.prompt, prompt);
  assert.equal(status.body.error, null);

  const usdz = Buffer.from(await (await fetch(usdzUrl)).arrayBuffer());
  assert.equal(usdz.subarray(0, 4).toString('latin1'), 'PK\x03\x04');
  const glb = Buffer.from(await (await fetch(`${grok}/api/asset/${jobId}?asset_type=glb`)).arrayBuffer());
  assert.equal(glb.subarray(0, 4).toString('latin1'), 'glTF');
  const image = await fetch(`${grok}/api/asset/${jobId}?asset_type=image`);
  assert.equal(image.headers.get('content-type'), 'image/jpeg');
  const { format, width, height } = await sharp(Buffer.from(await image.arrayBuffer())).metadata();
  assert.deepEqual([format, width, height], ['jpeg', 96, 64], "the text-to-image provider's picture");

  // The job belongs to the local account: its key sees it, another account's key does not.
  assert.equal((await curl(`${grok}/api/status/${jobId}`, '-H', `Authorization: Bearer ${localKey}`)).status, 200);
  for (const route of [`/api/status/${jobId}`, `/api/asset/${jobId}?asset_type=glb`]) {
    const other = await curl(`${grok}${route}`, '-H', `Authorization: Bearer ${otherKey}`);
    assert.equal(other.status, 404, route);
    assert.deepEqual(other.body, { error: 'Job not found' });
  }
});

test('a 3Dimensions image render is restyled by the image-to-image provider, done with its output and cost', async () => {
  const png = await readFile('fixtures/generated/overlay-logo-opaque.png');
  const before = (await curl(`${dimensions}/api/v1/me`, '-H', `Authorization: Bearer ${otherKey}`)).body.credits;
  const result = await curl(
    '-X', 'POST', `${dimensions}/api/v1/renders`,
    '-H', `Authorization: Bearer ${otherKey}`,
    '-H', 'Content-Type: application/json',
    '-d', JSON.stringify({ image_base64: png.toString('base64'), kind: 'refine', scene_type: 'exterior', resolution: '2k', architectural_style: 'Modern', lighting: 'Golden Hour', prompt: 'warm evening light' }),
  );
  assert.equal(result.status, 200, result.text);
  const { render, credits } = result.body;
  assert.equal(render.status, 'done', result.text);
  assert.ok(render.credits_used > 0);
  assert.equal(credits, before - render.credits_used);
  const output = await fetch(render.output_image_url);
  assert.equal(output.status, 200);
  const { width, height } = await sharp(Buffer.from(await output.arrayBuffer())).metadata();
  assert.deepEqual([width, height], [96, 64], "the image-to-image provider's picture");
  const edit = images.requests.find((request) => request.path === '/v1/images/edits');
  assert.ok(edit?.body.toString('latin1').includes('warm evening light'), 'the prompt went to the provider');
  const fetched = await curl(`${dimensions}/api/v1/renders/${render.id}`, '-H', `Authorization: Bearer ${otherKey}`);
  assert.equal(fetched.body.render.status, 'done');
  assert.equal((await curl(`${dimensions}/api/v1/renders/${render.id}`, '-H', `Authorization: Bearer ${localKey}`)).status, 404);
});
