/**
 * Templates over REST, MCP and the CLI on a real server: the built-ins (public, read-only,
 * each with bookmarks and a shot), an account's own templates (CRUD, the Glossi-style
 * public/internal filters, paging, invalid_settings for a bad look, bookmark or shot),
 * another account's id answering like a missing one, and `templateId` applied with
 * explicit fields winning — in the stored settings of renders, batch items and quotes, and
 * in the pixels of a real stills render by the CLI (the template's background colour, its
 * bookmarks as the stills).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import sharp from 'sharp';
import { api, cli, createKey, expectError, modelForm, startServerProcess, type ServerProcess } from './helpers/api-server.js';
import { call, callError, CLI, connectHttp } from './helpers/mcp.js';
import { LIGHTING_PRESET_NAMES } from '../src/settings/lighting-settings.js';

const run = promisify(execFile);
const COMPASS = 'fixtures/generated/compass-cube.glb';
const BUILTIN_IDS = ['studio-white-packshot', 'dark-hero', 'golden-hour-outdoor'];
/** The look of the account's template: a colour no default has, and no environment to load (fast). */
const BLUE = { settings: { bgColor: '#2050A0', zoom: 1.2 }, bookmarks: ['front', { name: 'left', azimuth: -90, elevation: 5 }], shots: [{ name: 'spin', effect: 'turntable', length: 4 }] };

let dataDirectory: string;
let server: ServerProcess;
let keyA: string;
let keyB: string;
let client: Client;
let blueId: string;

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-templates-'));
  for (const email of ['a@example.com', 'b@example.com']) await cli('accounts', 'create', '--email', email, '--credits', '100', '--data', dataDirectory);
  keyA = await createKey(dataDirectory, { account: 'a@example.com' });
  keyB = await createKey(dataDirectory, { account: 'b@example.com' });
  server = await startServerProcess(dataDirectory);
  client = await connectHttp(server.url, keyA);
});
after(async () => {
  await client?.close();
  await server?.stop();
  await rm(dataDirectory, { recursive: true, force: true });
});

/** The RGB of one pixel of an encoded image. */
async function pixel(image: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const offset = (y * info.width + x) * 3;
  return [data[offset], data[offset + 1], data[offset + 2]];
}

function assertColour(actual: number[], expected: number[], what: string): void {
  assert.ok(actual.every((value, index) => Math.abs(value - expected[index]) <= 6), `${what}: ${actual} is not ${expected}`);
}

describe('templates', () => {
  test('built-ins: public, listed first, each with a lighting preset, ≥ 2 bookmarks and ≥ 1 shot; read-only', async () => {
    const listed = await api(server, keyA, 'GET', '/templates');
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.deepEqual(listed.body.meta, { total: 3, offset: 0, limit: 50 });
    assert.deepEqual(listed.body.data.map((template: any) => template.id), BUILTIN_IDS);
    for (const template of listed.body.data) {
      assert.equal(template.public, true);
      assert.ok((LIGHTING_PRESET_NAMES as readonly string[]).includes(template.settings.lighting), template.id);
      assert.ok(template.bookmarks.length >= 2 && template.shots.length >= 1, template.id);
    }
    expectError(await api(server, keyA, 'PATCH', '/templates/dark-hero', { name: 'Mine' }), 403, 'template_read_only', /built-in/);
    expectError(await api(server, keyA, 'DELETE', '/templates/dark-hero'), 403, 'template_read_only');
    assert.equal((await api(server, keyA, 'GET', '/templates/dark-hero')).body.data.name, 'Dark hero');
  });

  test('CRUD of an account template; public/internal filters and paging across built-ins and own', async () => {
    const created = await api(server, keyA, 'POST', '/templates', { name: 'Blue', description: 'Blue backdrop', public: false, ...BLUE });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    blueId = created.body.data.id;
    assert.equal(created.body.data.public, false);
    assert.deepEqual(created.body.data.settings, { bgColor: '#2050a0', zoom: 1.2 }, 'stored as the schema normalises it, no defaults added');
    assert.deepEqual(created.body.data.bookmarks, BLUE.bookmarks);

    const scratch = (await api(server, keyA, 'POST', '/templates', { name: 'Scratch' })).body.data;
    assert.deepEqual([scratch.settings, scratch.bookmarks, scratch.shots, scratch.description], [{}, [], [], null]);
    const patched = await api(server, keyA, 'PATCH', `/templates/${scratch.id}`, { name: 'Scratch 2', settings: { vignette: 0.5 } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual([patched.body.data.name, patched.body.data.settings], ['Scratch 2', { vignette: 0.5 }]);

    const ids = async (query: string) => (await api(server, keyA, 'GET', `/templates${query}`)).body;
    assert.deepEqual((await ids('?public=false')).data.map((template: any) => template.id), [scratch.id, blueId], 'own only, newest first');
    assert.deepEqual((await ids('?internal=false')).data.map((template: any) => template.id), BUILTIN_IDS);
    const page = await ids('?limit=2&offset=2');
    assert.deepEqual(page.data.map((template: any) => template.id), ['golden-hour-outdoor', scratch.id]);
    assert.deepEqual(page.meta, { total: 5, offset: 2, limit: 2 });
    expectError(await api(server, keyA, 'GET', '/templates?public=maybe'), 400, 'invalid_request', /public must be true or false/);

    assert.deepEqual((await api(server, keyA, 'DELETE', `/templates/${scratch.id}`)).body.data, { id: scratch.id, deleted: true });
    expectError(await api(server, keyA, 'GET', `/templates/${scratch.id}`), 404, 'template_not_found');
  });

  test('bad input: a look with output or model fields, bad values, bookmarks or shots are invalid_settings; unknown overlays and environments are not found; public: true is refused', async () => {
    const post = (body: unknown) => api(server, keyA, 'POST', '/templates', { name: 'Bad', ...(body as object) });
    expectError(await post({ settings: { bgColor: 'blue' } }), 400, 'invalid_settings', /bgColor must be a 6-digit hex/);
    expectError(await post({ settings: { quality: '4k', animation: 'Walk' } }), 400, 'invalid_settings', /look only, not quality .*animation/);
    expectError(await post({ settings: { lighting: 'sunny' } }), 400, 'invalid_settings', /lighting must be one of: studio-soft/);
    expectError(await post({ bookmarks: ['frontal'] }), 400, 'invalid_settings', /bookmarks: unknown still "frontal"/);
    expectError(await post({ shots: [{ name: 'a', effect: 'spin' }] }), 400, 'invalid_settings', /shots\[0\]: effect must be one of/);
    expectError(await post({ shots: [{ name: 'a', bgColor: '#000000' }] }), 400, 'invalid_settings', /not bgColor/);
    expectError(await post({ public: true }), 400, 'invalid_request', /only built-in templates are public/);
    // Stored things a look names must be the account's, as for a render.
    expectError(await post({ settings: { bgImageId: 'nope' } }), 404, 'overlay_not_found');
    expectError(await post({ settings: { environmentImage: 'nope' } }), 404, 'environment_not_found');
    expectError(await api(server, keyA, 'PATCH', `/templates/${blueId}`, { settings: { exposure: 99 } }), 400, 'invalid_settings', /exposure/);
    assert.deepEqual((await api(server, keyA, 'GET', `/templates/${blueId}`)).body.data.settings, { bgColor: '#2050a0', zoom: 1.2 }, 'a refused PATCH changes nothing');
  });

  test("another account's template answers like a missing one, everywhere", async () => {
    const missing = await api(server, keyB, 'GET', '/templates/nope');
    expectError(missing, 404, 'template_not_found', /studio-white-packshot/);
    const foreign = await api(server, keyB, 'GET', `/templates/${blueId}`);
    expectError(foreign, 404, 'template_not_found');
    assert.equal(foreign.body.error.message, missing.body.error.message.replace('"nope"', `"${blueId}"`), 'the same answer as for a missing id');
    assert.doesNotMatch(foreign.body.error.message, /Blue/);
    expectError(await api(server, keyB, 'PATCH', `/templates/${blueId}`, { name: 'Mine' }), 404, 'template_not_found');
    expectError(await api(server, keyB, 'DELETE', `/templates/${blueId}`), 404, 'template_not_found');
    assert.deepEqual((await api(server, keyB, 'GET', '/templates?public=false')).body.data, []);
    expectError(await api(server, keyB, 'POST', '/quote', { renders: [{ output: 'stills', templateId: blueId }] }), 404, 'template_not_found');
    expectError(await api(server, keyB, 'POST', '/models', await modelForm(COMPASS, { templateId: blueId })), 404, 'template_not_found');
  });

  test('quote: a stills item with a template and no stills list is priced by its bookmarks', async () => {
    const quote = await api(server, keyA, 'POST', '/quote', {
      renders: [{ output: 'stills', templateId: 'studio-white-packshot' }, { output: 'stills', templateId: blueId }, { output: 'stills', templateId: blueId, stills: ['top'] }],
    });
    assert.equal(quote.status, 200, JSON.stringify(quote.body));
    assert.deepEqual(quote.body.data.breakdown.map((line: any) => line.images), [4, 2, 1]);
  });

  test('renders with a template: its look and bookmarks (stills) or first shot (video) apply, explicit fields win, stored with templateId', async () => {
    const created = await api(server, keyA, 'POST', '/models', await modelForm(COMPASS, { templateId: blueId, output: 'stills', imageSize: '96x64', zoom: 0.8 }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const renderId = created.body.data.renderId;
    const stored = (await api(server, keyA, 'GET', `/renders/${renderId}`)).body.data.renderSettings;
    assert.deepEqual(
      [stored.templateId, stored.bgColor, stored.zoom, stored.stills, stored.effect],
      [blueId, '#2050a0', 0.8, BLUE.bookmarks, 'turntable'],
      'template look, bookmarks as stills, the explicit zoom winning; no shot for stills',
    );

    // Explicit fields win over the template, in a batch item and for a video (its first shot applies only without an effect).
    const batch = await api(server, keyA, 'POST', '/renders/batch', {
      renders: [
        { modelId: created.body.data.modelId, renderSettings: { templateId: blueId, output: 'stills', stills: ['top'], bgColor: '#FFFFFF', imageSize: '64x64' } },
        { modelId: created.body.data.modelId, renderSettings: { templateId: 'dark-hero' } },
        { modelId: created.body.data.modelId, renderSettings: { templateId: 'dark-hero', effect: 'turntable' } },
      ],
    });
    assert.equal(batch.status, 201, JSON.stringify(batch.body));
    const settings = await Promise.all(batch.body.data.map(async (item: any) => (await api(server, keyA, 'GET', `/renders/${item.id}`)).body.data.renderSettings));
    for (const item of batch.body.data) await api(server, keyA, 'DELETE', `/renders/${item.id}`); // only their settings matter here
    assert.deepEqual([settings[0].bgColor, settings[0].stills, settings[0].zoom], ['#ffffff', ['top'], 1.2]);
    assert.deepEqual([settings[1].effect, settings[1].length, settings[1].lighting, settings[1].bgColor, settings[1].vignette], ['hero-spin', 6, 'studio-contrast', '#111111', 0.35]);
    assert.deepEqual([settings[2].effect, settings[2].length, settings[2].lighting], ['turntable', 6, 'studio-contrast']);

    // The renderer reads only the stored settings: the CLI test below renders the same template and checks its pixels.
    await api(server, keyA, 'DELETE', `/renders/${renderId}`);
  });

  test('MCP: list_templates and create_template over the same service', async () => {
    const listed = await call(client, 'list_templates');
    assert.deepEqual(listed.templates.slice(0, 3).map((template: any) => template.id), BUILTIN_IDS);
    assert.ok(listed.templates.some((template: any) => template.id === blueId && template.public === false));
    const created = await call(client, 'create_template', { name: 'Agent look', settings: { lighting: 'overcast', bgColor: '#eeeeee' }, bookmarks: ['side', 'top'] });
    assert.equal(created.public, false);
    assert.deepEqual((await api(server, keyA, 'GET', `/templates/${created.id}`)).body.data.bookmarks, ['side', 'top']);
    assert.equal((await callError(client, 'create_template', { name: 'Bad', settings: { output: 'dataset' } })).code, 'invalid_settings');
  });

  test('CLI: --template-id resolves a template of --data for --account; its bookmarks are the stills, its colour the background pixels', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'renderbay-templates-cli-'));
    try {
      const args = [CLI, 'render', COMPASS, '--template-id', blueId, '--data', dataDirectory, '--account', 'a@example.com', '--stills', '--image-size', '64x64', '--out', out, '--json'];
      const summary = JSON.parse((await run(process.execPath, args)).stdout);
      assert.deepEqual([summary.settings.templateId, summary.settings.bgColor, summary.stills.map((still: any) => still.name)], [blueId, '#2050a0', ['front', 'left']]);
      assertColour(await pixel(await readFile(path.join(out, 'stills', 'left.png')), 1, 1), [0x20, 0x50, 0xa0], 'the CLI still background');
      // The local account (no --account) has no such template: the same not-found answer.
      const refused = await run(process.execPath, [CLI, 'render', COMPASS, '--template-id', blueId, '--data', dataDirectory, '--json', '--out', out]).catch((error) => error);
      assert.equal(refused.code, 1);
      assert.equal(JSON.parse(refused.stdout).error.code, 'template_not_found');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
