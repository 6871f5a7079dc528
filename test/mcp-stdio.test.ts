/**
 * MCP over stdio with the SDK's own Client and stdio transport, spawning the built
 * `renderbay mcp`: tools/list with schemas derived from the settings schema, the
 * catalog-onboarding workflow end to end (URL ingest with tags, quote, an all-or-nothing
 * batch, waiting with progress notifications, inline previews checked by their pixels,
 * downloads as local files and resources), and bad arguments answered with REST codes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CallToolResult, ResourceLink } from '@modelcontextprotocol/sdk/types.js';
import sharp from 'sharp';
import { z } from 'zod';
import { MAX_BATCH } from '../src/renders/render-service.js';
import { renderSettingsFields } from '../src/settings/render-settings.js';
import { call, callError, checkPreview, connectStdio, serveFiles, TOOL_NAMES, waitWithProgress, type StdioConnection } from './helpers/mcp.js';

let dataDirectory: string;
let mcp: StdioConnection;
let files: Awaited<ReturnType<typeof serveFiles>>;
const INITIAL_CREDITS = 40;

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-mcp-stdio-'));
  files = await serveFiles({ 'chair.glb': 'fixtures/generated/wide.glb', 'lamp.glb': 'fixtures/generated/tall.glb' });
  // Local paths: the fixtures (in the start directory) and the test's own folder.
  const allowDirs = [process.cwd(), dataDirectory].flatMap((directory) => ['--allow-dir', directory]);
  mcp = await connectStdio(dataDirectory, { args: ['--allow-private-urls', ...allowDirs], env: { RENDERBAY_INITIAL_CREDITS: String(INITIAL_CREDITS) } });
});
after(async () => {
  await mcp?.client.close();
  files?.close();
  await rm(dataDirectory, { recursive: true, force: true });
});

/**
 * Tools whose results carry structuredContent without an advertised output schema: bare
 * acknowledgements, update_model's echo of its own fields, and lists of rows (an outline
 * would say no more than `renders: array`).
 */
const UNOUTLINED_TOOLS = [
  'delete_render', 'dismiss_render', 'retry_render', 'archive_model', 'unarchive_model', 'delete_model', 'delete_overlay',
  'update_model', 'list_models', 'list_renders', 'list_overlays', 'create_batch_renders',
];

describe('tools/list', () => {
  test('every tool, with input and output schemas and accurate annotations', async () => {
    const { tools } = await mcp.client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), [...TOOL_NAMES].sort());
    for (const tool of tools) {
      assert.equal(tool.inputSchema.type, 'object', tool.name);
      assert.equal((tool.inputSchema as { additionalProperties?: unknown }).additionalProperties, false, `${tool.name} refuses unknown arguments`);
      // These leave their outline out of the tools/list budget; every other tool advertises one.
      if (UNOUTLINED_TOOLS.includes(tool.name)) assert.equal(tool.outputSchema, undefined, tool.name);
      else assert.equal(tool.outputSchema?.type, 'object', tool.name);
      assert.ok((tool.description ?? '').length > 40, `${tool.name} is described`);
    }
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    for (const name of ['list_models', 'get_model', 'get_render', 'get_account', 'quote', 'list_overlays']) {
      assert.equal(byName[name].annotations?.readOnlyHint, true, `${name} is read-only`);
    }
    for (const name of ['ingest_model', 'create_render', 'create_batch_renders', 'upload_overlay']) {
      assert.equal(byName[name].annotations?.readOnlyHint, false, name);
      assert.equal(byName[name].annotations?.destructiveHint, false, `${name} is not destructive`);
    }
  });

  test('render settings are advertised once, by create_render, with the one settings schema\'s fields, enums, ranges and defaults; the other tools point to it', async () => {
    const { tools } = await mcp.client.listTools();
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    const expected = (z.toJSONSchema(renderSettingsFields, { io: 'input', target: 'draft-7' }) as { properties: Record<string, any> }).properties;
    const advertised = (byName.create_render.inputSchema.properties as any).renderSettings;
    assert.deepEqual(Object.keys(advertised.properties), Object.keys(expected));
    for (const [field, schema] of Object.entries(expected)) {
      for (const keyword of ['enum', 'minimum', 'maximum', 'default']) assert.deepEqual(advertised.properties[field][keyword], schema[keyword], `${field}.${keyword}`);
    }
    assert.equal(advertised.additionalProperties, false);
    assert.match(advertised.description, /renderbay:\/\/docs\/render-settings/);
    assert.equal(JSON.stringify(tools).split('"bgAlign"').length - 1, 1, 'no other copy');
    const pointsToCreateRender = (schema: any, where: string) => {
      assert.equal(schema.type, 'object', where);
      assert.equal(schema.properties, undefined, where);
      assert.match(schema.description, /create_render/, where);
    };
    const batch = (byName.create_batch_renders.inputSchema.properties as any).renders;
    assert.equal(batch.maxItems, MAX_BATCH);
    pointsToCreateRender(batch.items.properties.renderSettings, 'create_batch_renders');
    pointsToCreateRender((byName.ingest_model.inputSchema.properties as any).renderSettings, 'ingest_model');
    // quote takes batch items as they are, or bare settings, and names the fields that set the price.
    const quoteItem = (byName.quote.inputSchema.properties as any).renders.items.anyOf;
    assert.ok(quoteItem[0].properties.modelId);
    pointsToCreateRender(quoteItem[0].properties.renderSettings, 'quote');
    assert.equal(quoteItem[1].type, 'object');
    assert.match(byName.quote.description!, /quality, output and datasetQuality set the price/);
    assert.ok(byName.get_render.inputSchema.properties?.waitSeconds, 'get_render can wait');
  });
});

describe('catalog onboarding: import, tag, quote, batch, wait with progress, previews, files', () => {
  const models: Record<string, string> = {};
  const renders: { id: string; model: string; aspect: string; bgColor: string; progressSeen?: number }[] = [];

  test('ingest two models from URLs with a tag; the local account got the configured credits', async () => {
    for (const name of ['chair', 'lamp']) {
      const ingested = await call(mcp.client, 'ingest_model', { url: `${files.url}/${name}.glb`, tags: ['Client-Acme'], title: name });
      assert.equal(ingested.duplicate, false);
      assert.deepEqual(ingested.model.tags, ['client-acme']);
      assert.equal(ingested.model.title, name);
      models[name] = ingested.modelId;
    }
    const again = await call(mcp.client, 'ingest_model', { url: `${files.url}/chair.glb` });
    assert.deepEqual([again.modelId, again.duplicate], [models.chair, true], 'the same file is the same model');
    assert.equal((await call(mcp.client, 'get_account')).credits, INITIAL_CREDITS);
    const listed = await call(mcp.client, 'list_models', { tags: ['client-acme'] });
    assert.deepEqual(listed.models.map((model: any) => model.id).sort(), Object.values(models).sort());
    assert.equal((await call(mcp.client, 'list_models', { tags: ['other'] })).meta.total, 0);
  });

  test('quote, then an all-or-nothing batch of a 16:9 white and a 1:1 black turntable for each', async () => {
    const variants = [
      { aspect: '16:9', bgColor: '#ffffff', length: 3 },
      { aspect: '1:1', bgColor: '#000000', length: 3 },
    ];
    const plan = Object.values(models).flatMap((modelId) => variants.map((renderSettings) => ({ modelId, renderSettings })));
    const quote = await call(mcp.client, 'quote', { renders: plan.map((item) => item.renderSettings) });
    assert.deepEqual([quote.creditsRequired, quote.creditsAvailable, quote.sufficient], [4, INITIAL_CREDITS, true]);

    const batch = await call(mcp.client, 'create_batch_renders', { renders: plan });
    assert.equal(batch.renders.length, 4);
    batch.renders.forEach((render: any, index: number) => {
      assert.deepEqual([render.modelId, render.status], [plan[index].modelId, 'pending']);
      renders.push({ id: render.id, model: render.modelId, ...plan[index].renderSettings });
    });
    assert.equal((await call(mcp.client, 'get_account')).credits, INITIAL_CREDITS - 4);

    // More than the balance: nothing is created, nothing is debited.
    const tooDear = Array.from({ length: 20 }, () => ({ modelId: models.chair, renderSettings: { quality: 'standard' } }));
    const refused = await callError(mcp.client, 'create_batch_renders', { renders: tooDear });
    assert.deepEqual([refused.code, refused.status], ['no_credits', 402]);
    assert.equal((await call(mcp.client, 'get_account')).credits, INITIAL_CREDITS - 4);
  });

  test('get_render waits with progress notifications and shows each poster inline', async () => {
    for (const render of renders) {
      const { result, render: finished, progress } = await waitWithProgress(mcp.client, render.id);
      assert.equal(finished.status, 'done', JSON.stringify(finished));
      assert.equal(finished.progress, 100);
      const preview = await checkPreview(result);
      // The preview is this render: its shape and its background.
      if (render.aspect === '1:1') assert.equal(preview.width, preview.height);
      else assert.ok(preview.width > preview.height * 1.7, `${preview.width}×${preview.height} is 16:9`);
      const brightness = preview.corner.reduce((sum, channel) => sum + channel, 0) / 3;
      if (render.bgColor === '#000000') assert.ok(brightness < 40, `black background, got ${preview.corner}`);
      else assert.ok(brightness > 215, `white background, got ${preview.corner}`);
      // waitWithProgress checked that the notifications rise (per call) and count to 100.
      render.progressSeen = progress.length;
    }
    // Renders queue behind each other, so waiting on the later ones sees them progress.
    assert.ok(renders.some((render) => (render.progressSeen ?? 0) >= 3), `progress notifications received: ${renders.map((render) => render.progressSeen)}`);
  });

  test('download_render: local files and resource links; the same bytes via resources/read', async () => {
    const render = renders[1];
    const download = await call(mcp.client, 'download_render', { renderId: render.id });
    assert.equal(download.status, 'done');
    const names = download.files.map((file: any) => file.name);
    for (const name of ['video', 'web', 'thumb', 'poster', 'posterFull']) assert.ok(names.includes(name), `${name} in ${names}`);
    for (const file of download.files) {
      assert.ok(path.isAbsolute(file.path));
      assert.equal((await stat(file.path)).size, file.size);
    }
    const video = download.files.find((file: any) => file.name === 'video');
    assert.deepEqual([...(await readFile(video.path)).subarray(4, 8)].map((byte) => String.fromCharCode(byte)).join(''), 'ftyp', 'an MP4');
    const links = (download.$result as CallToolResult).content.filter((block): block is ResourceLink => block.type === 'resource_link');
    // Every file is linked (all are under the inline limit), by its resource URI.
    assert.deepEqual(links.map((link) => link.uri).sort(), download.files.map((file: any) => `renderbay://renders/${render.id}/${file.name}`).sort());

    const poster = download.files.find((file: any) => file.name === 'poster');
    const resource = await mcp.client.readResource({ uri: `renderbay://renders/${render.id}/poster` });
    const content = resource.contents[0] as { blob: string; mimeType: string };
    assert.equal(content.mimeType, 'image/png');
    assert.ok(Buffer.from(content.blob, 'base64').equals(await readFile(poster.path)));
    const { width, height } = await sharp(Buffer.from(content.blob, 'base64')).metadata();
    assert.equal(width, height, 'the 1:1 render');
    // An asset the render does not have: the REST API's not-found code for it, or file_not_found for no asset at all.
    await assert.rejects(mcp.client.readResource({ uri: `renderbay://renders/${render.id}/dataset` }), /dataset_not_found/);
    await assert.rejects(mcp.client.readResource({ uri: `renderbay://renders/${render.id}/model` }), /file_not_found/);

    const target = path.join(dataDirectory, 'exports');
    const copied = await call(mcp.client, 'download_render', { renderId: render.id, directory: target });
    const copiedVideo = copied.files.find((file: any) => file.name === 'video');
    assert.equal(copiedVideo.path, path.join(target, `${render.id}-video.mp4`));
    assert.ok((await readFile(copiedVideo.path)).equals(await readFile(video.path)));
  });

  test('update_model and get_model show the metadata and the renders', async () => {
    const updated = await call(mcp.client, 'update_model', { modelId: models.lamp, sku: 'LMP-1', tags: ['client-acme', 'lighting'] });
    assert.deepEqual([updated.sku, updated.tags, updated.title], ['LMP-1', ['client-acme', 'lighting'], 'lamp']);
    const model = await call(mcp.client, 'get_model', { modelId: models.lamp });
    assert.equal(model.status, 'valid', 'the preview render passed');
    assert.equal(model.renders.length, 3, 'system preview + two paid renders');
  });
});

describe('errors', () => {
  test('bad arguments come back as isError results with the REST code and message', async () => {
    const modelId = (await call(mcp.client, 'list_models')).models[0].id;
    const settings = await callError(mcp.client, 'create_render', { modelId, renderSettings: { length: 99, aspect: '4:3' } });
    assert.deepEqual([settings.code, settings.status], ['invalid_settings', 400]);
    assert.match(settings.message, /length must be from 3 to 30 seconds/);
    assert.match(settings.message, /aspect must be one of: 16:9, 1:1, 9:16/);
    // Tools that advertise settings by pointing to create_render check them with the same schema and words.
    const inBatch = await callError(mcp.client, 'create_batch_renders', { renders: [{ modelId, renderSettings: { length: 99, aspect: '4:3' } }] });
    assert.equal(inBatch.code, 'invalid_settings');
    assert.ok(inBatch.message.includes(settings.message), `${inBatch.message} / ${settings.message}`);
    // quote checks the fields that set the price (the others cannot change it).
    const quality = await callError(mcp.client, 'create_render', { modelId, renderSettings: { quality: 'ultra' } });
    const quoted = await callError(mcp.client, 'quote', { renders: [{ modelId, renderSettings: { quality: 'ultra' } }] });
    assert.equal(quoted.code, 'invalid_settings');
    assert.ok(quoted.message.includes(quality.message), `${quoted.message} / ${quality.message}`);
    assert.equal((await callError(mcp.client, 'create_render', { modelId, renderSettings: { coverage: 'sphere' } })).code, 'invalid_settings');
    assert.equal((await callError(mcp.client, 'create_render', { modelId: 'AAAAAAAAAAAA' })).code, 'model_not_found');
    assert.equal((await callError(mcp.client, 'get_render', { renderId: 'AAAAAAAAAAAA' })).code, 'render_not_found');
    assert.equal((await callError(mcp.client, 'create_batch_renders', { renders: [] })).code, 'renders_required');
    const many = Array.from({ length: MAX_BATCH + 1 }, () => ({ modelId }));
    assert.equal((await callError(mcp.client, 'create_batch_renders', { renders: many })).code, 'too_many');
    assert.equal((await callError(mcp.client, 'quote', { renders: many.map(() => ({})) })).code, 'too_many');
    assert.equal((await callError(mcp.client, 'ingest_model', {})).code, 'url_required');
    assert.equal((await callError(mcp.client, 'ingest_model', { url: 'ftp://example.com/a.glb' })).code, 'invalid_url');
    assert.equal((await callError(mcp.client, 'ingest_model', { path: path.join(dataDirectory, 'missing.glb') })).code, 'file_not_found');
    assert.equal((await callError(mcp.client, 'update_model', { modelId, title: 'x'.repeat(201) })).code, 'invalid_request');
  });

  test('unknown tools and malformed calls fail as the SDK does them', async () => {
    const unknown = await mcp.client.callTool({ name: 'no_such_tool', arguments: {} }).then(
      (result) => result as CallToolResult,
      (error: Error) => ({ isError: true, content: [{ type: 'text' as const, text: error.message }] }),
    );
    assert.equal(unknown.isError, true);
    assert.match(JSON.stringify(unknown.content), /no_such_tool/);
    const malformed = (await mcp.client.callTool({ name: 'get_render', arguments: { renderId: 5, surprise: true } })) as CallToolResult;
    assert.equal(malformed.isError, true);
    assert.match(JSON.stringify(malformed.content), /Input validation error/);
  });
});

describe('local files (stdio only)', () => {
  test('ingest_model from a path and upload_overlay from a path', async () => {
    const ingested = await call(mcp.client, 'ingest_model', { path: path.resolve('fixtures/generated/textured-cube.glb'), sku: 'CUBE-1' });
    assert.equal(ingested.model.originalName, 'textured-cube.glb');
    assert.equal(ingested.model.sku, 'CUBE-1');
    const image = path.join(dataDirectory, 'backdrop.png');
    await sharp({ create: { width: 64, height: 32, channels: 3, background: '#336699' } }).png().toFile(image);
    const overlay = await call(mcp.client, 'upload_overlay', { path: image, name: 'Backdrop', alignment: 'center' });
    assert.deepEqual([overlay.name, overlay.layer, overlay.alignment, overlay.width, overlay.height], ['Backdrop', 'background', 'center', 64, 32]);
    const { overlays } = await call(mcp.client, 'list_overlays');
    assert.ok(overlays.some((item: any) => item.id === overlay.id));
    assert.equal((await callError(mcp.client, 'upload_overlay', { path: path.resolve('fixtures/generated/wide.glb') })).code, 'invalid_format');
  });
});
