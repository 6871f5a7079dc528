/**
 * Material variants (KHR_materials_variants) end to end: the colourways box's variants are
 * listed on the model (REST and MCP), each renders its own colour (and no variant renders
 * the default grey), `materialVariant: "*"` in a batch item becomes one render per variant
 * — quoted and debited as such, rendered in passes of their own — and bad names answer
 * invalid_settings with what the model offers.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import sharp from 'sharp';
import { resolveMaterialVariants } from '../src/gltf/material-variants.js';
import { groupPass, type PendingRender } from '../src/jobs/render-pass.js';
import type { AppContext } from '../src/context.js';
import { modelVariantNames } from '../src/models/model-variants.js';
import { parseRenderSettings, passKey, type RenderSettingsInput } from '../src/settings/render-settings.js';
import { api, cli, createKey, expectError, modelForm, startServerProcess, waitForRender, type ServerProcess } from './helpers/api-server.js';
import { call, callError, connectHttp } from './helpers/mcp.js';
import { meanColour, type RawImage } from './helpers/media.js';
import { testSettingsRejections } from './helpers/settings.js';

const COLOURWAYS = 'fixtures/generated/colourways.glb';
const VARIANTS = ['Red', 'Green', 'Blue'];
/** Two small stills per render: the colourway grid of a product page. */
const GRID_STILLS = { output: 'stills', stills: ['front', 'three-quarter'], imageSize: '96x96' };

/**
 * The colour a patch shows: the channel (red, green, blue) standing clearly above the other
 * two, or "grey" when none does (the lit box's highlights lift all three alike).
 */
function hue(colour: readonly number[]): string {
  const [red, green, blue] = colour;
  const margin = 40;
  if (red > green + margin && red > blue + margin) return 'Red';
  if (green > red + margin && green > blue + margin) return 'Green';
  if (blue > red + margin && blue > green + margin) return 'Blue';
  return Math.max(red, green, blue) - Math.min(red, green, blue) < 12 ? 'grey' : `unclear ${colour.map(Math.round).join(',')}`;
}

/** Mean colour of a 10 × 10 patch at the image's centre, where the box is. */
async function centreHue(png: Buffer | string): Promise<string> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const image: RawImage = { width: info.width, height: info.height, channels: info.channels, data };
  return hue(meanColour(image, Math.round(info.width / 2) - 5, Math.round(info.height / 2) - 5, 10, 10));
}

describe('materialVariant settings', () => {
  testSettingsRejections([
    ['an empty materialVariant', { materialVariant: '' }, /materialVariant must be a material variant name/],
    ['a materialVariant that is not a string', { materialVariant: 3 }, /materialVariant must be a material variant name/],
  ]);

  test('a model without variants says so; names are matched exactly; "*" is every variant, in batches only', () => {
    assert.throws(() => resolveMaterialVariants([], 'Red', { batch: false }), { code: 'invalid_settings', message: /the model has no material variants \(KHR_materials_variants\)/ });
    assert.throws(() => resolveMaterialVariants([], '*', { batch: true }), { code: 'invalid_settings', message: /no material variants/ });
    assert.throws(() => resolveMaterialVariants(VARIANTS, 'red', { batch: false }), { message: /Unknown materialVariant "red": the model's variants are: Red, Green, Blue/ });
    assert.throws(() => resolveMaterialVariants(VARIANTS, '*', { batch: false }), { message: /batch/ });
    assert.deepEqual(resolveMaterialVariants(VARIANTS, '*', { batch: true }), VARIANTS);
    assert.deepEqual(resolveMaterialVariants(VARIANTS, 'Blue', { batch: false }), ['Blue']);
  });

  test('a model stored without facts has its variants read from its file', async () => {
    const context = { store: { pathOf: () => COLOURWAYS } } as unknown as Pick<AppContext, 'store'>;
    assert.deepEqual(await modelVariantNames(context, { facts: null, file_key: 'colourways' }), VARIANTS);
    assert.deepEqual(await modelVariantNames(context, { facts: JSON.stringify({ variants: ['Recorded'] }), file_key: 'colourways' }), ['Recorded'], 'the recorded fact wins');
  });

  test('renders that differ only in material variant never share a rendering pass', () => {
    let next = 0;
    const pending = (input: RenderSettingsInput): PendingRender => ({ id: `r${++next}`, settings: JSON.stringify(parseRenderSettings(input)) });
    const red = pending({ materialVariant: 'Red' });
    const redOnBlack = pending({ materialVariant: 'Red', bgColor: '#000000' });
    const green = pending({ materialVariant: 'Green' });
    const none = pending({});
    assert.notEqual(passKey(parseRenderSettings({ materialVariant: 'Red' })), passKey(parseRenderSettings({ materialVariant: 'Green' })));
    assert.deepEqual(
      groupPass(red, [red, green, none, redOnBlack]).map((variant) => variant.renderIds),
      [[red.id], [redOnBlack.id]],
      'only a background difference joins the pass',
    );
  });

  test('CLI: --material-variant renders that variant', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'renderbay-variant-cli-'));
    try {
      const summary = JSON.parse(await cli('render', COLOURWAYS, '--stills', 'front', '--image-size', '64x64', '--material-variant', 'Green', '--out', out, '--json'));
      assert.equal(summary.settings.materialVariant, 'Green');
      assert.equal(await centreHue(path.join(out, 'stills', 'front.png')), 'Green');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe('material variants over REST and MCP', () => {
  let dataDirectory: string;
  let server: ServerProcess;
  let key: string;
  let client: Client;
  let modelId: string;

  before(async () => {
    dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-material-variants-'));
    key = await createKey(dataDirectory);
    server = await startServerProcess(dataDirectory);
    client = await connectHttp(server.url, key);
    const created = await api(server, key, 'POST', '/models', await modelForm(COLOURWAYS));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    modelId = created.body.data.modelId;
  });
  after(async () => {
    await client?.close();
    await server?.stop();
    await rm(dataDirectory, { recursive: true, force: true });
  });

  test('the model lists its variants: GET /models/:id and get_model', async () => {
    const model = (await api(server, key, 'GET', `/models/${modelId}`)).body.data;
    assert.deepEqual(model.variants, VARIANTS);
    const viaMcp = await call(client, 'get_model', { modelId });
    assert.deepEqual(viaMcp.variants, VARIANTS);
    assert.match(JSON.stringify(viaMcp.$result.content), /Material variants: Red, Green, Blue/);
  });

  test('bad input: unknown names list the variants; "*" only in batches, and quoted with its model', async () => {
    const render = (id: string, renderSettings: unknown) => api(server, key, 'POST', '/renders', { modelId: id, renderSettings });
    expectError(await render(modelId, { materialVariant: 'Purple' }), 400, 'invalid_settings', /Unknown materialVariant "Purple": the model's variants are: Red, Green, Blue/);
    expectError(await render(modelId, { materialVariant: '*' }), 400, 'invalid_settings', /batch/);
    const upload = await api(server, key, 'POST', '/models', await modelForm(COLOURWAYS, { materialVariant: '*' }));
    expectError(upload, 400, 'invalid_settings', /batch/);
    const batch = await api(server, key, 'POST', '/renders/batch', {
      renders: [
        { modelId, renderSettings: { materialVariant: '*' } },
        { modelId, renderSettings: { materialVariant: 'red' } },
      ],
    });
    expectError(batch, 400, 'invalid_settings', /^renders\[1\]: Unknown materialVariant "red"/);
    const bareQuote = await api(server, key, 'POST', '/quote', { renders: [{ materialVariant: '*' }] });
    expectError(bareQuote, 400, 'invalid_settings', /modelId/);
    const overMcp = await callError(client, 'create_batch_renders', { renders: [{ modelId, renderSettings: { materialVariant: 'Purple' } }] });
    assert.equal(overMcp.code, 'invalid_settings');
    assert.match(overMcp.message, /Red, Green, Blue/);
    const quote = await api(server, key, 'POST', '/quote', { renders: [{ modelId, renderSettings: { materialVariant: 'Purple' } }] });
    assert.equal(quote.status, 200, JSON.stringify(quote.body));
    assert.deepEqual(
      quote.body.data.problems.map((problem: { code: string; message: string }) => [problem.code, /Red, Green, Blue/.test(problem.message)]),
      [['invalid_settings', true]],
    );
  });

  test('the colourway grid: stills × "*" in one batch, quoted and debited per variant, each render in its colour', async () => {
    const renders = [
      { modelId, renderSettings: { ...GRID_STILLS, materialVariant: '*' } },
      { modelId, renderSettings: GRID_STILLS },
    ];
    const quote = (await api(server, key, 'POST', '/quote', { renders })).body.data;
    assert.deepEqual((await call(client, 'quote', { renders })).breakdown, quote.breakdown, 'MCP quote prices the expansion alike');
    assert.deepEqual(quote.breakdown[0], { output: 'stills', imageSize: '96x96', images: 2, credits: 6, modelId, materialVariants: VARIANTS });
    assert.equal(quote.creditsRequired, 8, 'three variants and the default, two 720p-tier stills each');

    const balance = async () => (await api(server, key, 'GET', '/account')).body.data.credits as number;
    const before = await balance();
    const batch = await api(server, key, 'POST', '/renders/batch', { renders });
    assert.equal(batch.status, 201, JSON.stringify(batch.body));
    const created = batch.body.data as { id: string; materialVariant?: string }[];
    assert.deepEqual(
      created.map((render) => render.materialVariant ?? 'default'),
      [...VARIANTS, 'default'],
    );
    assert.equal(await balance(), before - quote.creditsRequired);

    for (const [index, { id }] of created.entries()) {
      const { render } = await waitForRender(server, key, id);
      assert.equal(render.status, 'done', render.errorMessage);
      assert.equal(render.credits, 2);
      const expected = index < VARIANTS.length ? VARIANTS[index] : 'grey';
      for (const still of ['front', 'three-quarter']) {
        const response = await fetch(`${server.url}/renders/${id}/stills/${still}`, { headers: { authorization: `Bearer ${key}` } });
        assert.equal(response.status, 200);
        assert.equal(await centreHue(Buffer.from(await response.arrayBuffer())), expected, `${expected} render, ${still} still`);
      }
    }
  });
});
