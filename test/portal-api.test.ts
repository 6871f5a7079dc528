/**
 * The signed-in portal's API on a real `renderbay serve`, over plain HTTP: /portal/api takes the
 * session cookie (never a key) and every change needs the session's CSRF header and a same-site
 * origin; the event stream reports a new model's preview render step by step, in order, with its
 * percent, then the model's verdict; the grid searches title/SKU; API keys (secret shown once,
 * no key stronger than the session's); the examples gallery imports an example once; the front
 * end's files are content-hashed, precompressed and cached as immutable.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, createKey, expectError, modelForm, startServerProcess, type ServerProcess } from './helpers/api-server.js';
import { collectEvents, portalCall, portalSession, type PortalSession } from './helpers/portal.js';

const FIXTURE = 'fixtures/generated/compass-cube.glb';
const STATUS_ORDER = ['pending', 'poster-processing', 'poster-done', 'video-processing', 'done'];

let dataDirectory: string;
let server: ServerProcess;
let origin: string;
let key: string;
let session: PortalSession;
let readOnly: PortalSession;

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-portal-api-'));
  key = await createKey(dataDirectory, { name: 'owner' });
  const readKey = await createKey(dataDirectory, { name: 'viewer', readOnly: true });
  server = await startServerProcess(dataDirectory);
  origin = new URL(server.url).origin;
  [session, readOnly] = await Promise.all([portalSession(origin, key), portalSession(origin, readKey)]);
});
after(async () => {
  await server?.stop();
  await rm(dataDirectory, { recursive: true, force: true });
});

describe('live status over Server-Sent Events', () => {
  test('an upload\'s preview render arrives step by step, in order, percent rising to 100, then the model is valid', async () => {
    let modelId = '';
    let renderId = '';
    const events = await collectEvents(
      session,
      (seen) => seen.some((event) => event.event === 'model' && event.data.id === modelId && event.data.status !== 'processing'),
      120_000,
      async () => {
        const created = await portalCall(session, 'POST', '/models', await modelForm(FIXTURE));
        assert.equal(created.status, 201, JSON.stringify(created.body));
        ({ modelId, renderId } = created.body.data);
      },
    );
    assert.equal(events[0].event, 'ready');
    assert.deepEqual(events.map((event) => event.id), events.map((_, index) => index + 1), 'ids count up from 1');
    const steps = events.filter((event) => event.event === 'render' && event.data.id === renderId).map((event) => event.data);
    assert.ok(steps.length >= 4, `several steps: ${JSON.stringify(steps)}`);
    assert.ok(steps.every((step) => step.modelId === modelId && step.isSystemPreview === true));
    for (let index = 1; index < steps.length; index += 1) {
      assert.ok(steps[index].progress >= steps[index - 1].progress, `percent never falls: ${JSON.stringify(steps)}`);
      assert.ok(STATUS_ORDER.indexOf(steps[index].status) >= STATUS_ORDER.indexOf(steps[index - 1].status), `statuses in order: ${steps.map((step) => step.status)}`);
    }
    assert.ok(steps.some((step) => step.progress > 0 && step.progress < 100), 'a percent between 0 and 100 was reported');
    assert.deepEqual([steps.at(-1).status, steps.at(-1).progress], ['done', 100]);
    const verdict = events.find((event) => event.event === 'model')!;
    assert.deepEqual(verdict.data, { id: modelId, status: 'valid', invalidReason: null });
    assert.ok(verdict.id > events.indexOf(events.find((event) => event.data.status === 'done')!), 'the verdict follows the done step');
  });

  test('the stream needs a session: 401 without the cookie', async () => {
    const response = await fetch(`${origin}/portal/api/events`);
    assert.equal(response.status, 401);
    assert.equal((await response.json()).error.code, 'unauthorized');
  });
});

describe('CSRF and authentication of /portal/api', () => {
  test('a change without the CSRF header, with a wrong one, or from another site: 403 csrf_failed; nothing created', async () => {
    const body = { name: 'should not exist' };
    const attempts = await Promise.all([
      portalCall(session, 'POST', '/templates', body, { csrf: false }),
      portalCall(session, 'POST', '/templates', body, { csrf: `${session.csrf.slice(1)}x` }),
      portalCall(session, 'POST', '/templates', body, { csrf: readOnly.csrf }),
      portalCall(session, 'POST', '/templates', body, { headers: { origin: 'https://evil.example' } }),
      portalCall(session, 'POST', '/templates', body, { headers: { 'sec-fetch-site': 'cross-site' } }),
      portalCall(session, 'DELETE', '/keys/whatever', undefined, { csrf: false }),
    ]);
    for (const response of attempts) expectError(response, 403, 'csrf_failed');
    const templates = await portalCall(session, 'GET', '/templates?limit=100', undefined, { csrf: false });
    assert.equal(templates.status, 200, 'reads need no CSRF header');
    assert.ok(!templates.body.data.some((template: any) => template.name === body.name));
  });

  test('/portal/api takes the cookie only: a Bearer key there is 401; the session\'s key scopes apply', async () => {
    expectError(await api({ url: `${origin}/portal/api` }, key, 'GET', '/grid'), 401, 'unauthorized');
    expectError(await portalCall(readOnly, 'POST', '/models/ingest', { url: 'https://example.com/a.glb' }), 403, 'insufficient_scope');
    assert.equal((await portalCall(readOnly, 'GET', '/grid')).status, 200);
  });
});

describe('grid, keys, examples, assets', () => {
  test('the grid finds a model by title or SKU and carries its preview render', async () => {
    const [model] = (await portalCall(session, 'GET', '/grid')).body.data;
    assert.equal((await portalCall(session, 'PATCH', `/models/${model.id}`, { title: 'Oak chair 100%', sku: 'OAK_01', tags: ['chairs'] })).status, 200);
    for (const search of ['oak', 'OAK_01', '100%']) {
      const found = await portalCall(session, 'GET', `/grid?search=${encodeURIComponent(search)}`);
      assert.deepEqual(found.body.data.map((item: any) => item.id), [model.id], search);
      assert.equal(found.body.data[0].preview.status, 'done');
    }
    assert.equal((await portalCall(session, 'GET', '/grid?search=walnut')).body.meta.total, 0);
    assert.equal((await portalCall(session, 'GET', '/grid?search=_')).body.meta.total, 1, '_ is a character, not a wildcard: OAK_01 has one');
    assert.equal((await portalCall(session, 'GET', '/grid?search=O_K')).body.meta.total, 0);
  });

  test('API keys: created with its secret shown once, listed without it, revoked; a read-only session cannot mint a write key', async () => {
    const created = await portalCall(session, 'POST', '/keys', { name: 'ci', scopes: ['read'] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.match(created.body.data.key, /^rb_sk_/);
    assert.equal((await api(server, created.body.data.key, 'GET', '/account')).status, 200);
    const listed = (await portalCall(session, 'GET', '/keys')).body.data;
    assert.deepEqual(listed.map((item: any) => item.name).sort(), ['ci', 'owner', 'viewer']);
    assert.ok(!JSON.stringify(listed).includes(created.body.data.key), 'the list never holds a secret');
    assert.equal((await portalCall(session, 'DELETE', `/keys/${created.body.data.id}`)).status, 200);
    expectError(await api(server, created.body.data.key, 'GET', '/account'), 401, 'unauthorized');
    expectError(await portalCall(readOnly, 'POST', '/keys', { name: 'escalate', scopes: ['read', 'write'] }), 403, 'insufficient_scope');
  });

  test('examples: listed with their licence; importing one makes a titled, tagged model once', async () => {
    const listed = (await portalCall(session, 'GET', '/examples')).body.data;
    assert.deepEqual(listed.map((example: any) => example.id), ['suzanne', 'animated-morph-cube', 'texture-transform-test']);
    assert.ok(listed.every((example: any) => example.license === 'CC0-1.0' && example.modelId === null));
    const first = await portalCall(session, 'POST', '/examples/animated-morph-cube/import');
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const again = await portalCall(session, 'POST', '/examples/animated-morph-cube/import');
    assert.deepEqual([again.body.data.modelId, again.body.data.duplicate], [first.body.data.modelId, true]);
    const model = (await portalCall(session, 'GET', `/models/${first.body.data.modelId}`)).body.data;
    assert.deepEqual([model.title, model.tags], ['Animated Morph Cube', ['example']]);
    assert.equal((await portalCall(session, 'GET', '/examples')).body.data[1].modelId, first.body.data.modelId);
    expectError(await portalCall(session, 'POST', '/examples/nope/import'), 404, 'example_not_found');
    // The build-time preview JPEG where the build made it (make-fixtures), else a plain 404.
    const preview = await fetch(`${origin}/portal/api/examples/suzanne/preview.jpg`, { headers: { cookie: session.cookie } });
    if (listed[0].hasPreview) assert.deepEqual([preview.status, preview.headers.get('content-type')], [200, 'image/jpeg']);
    else assert.equal(preview.status, 404);
  });

  test('the app page loads only this server\'s files; they are hashed, precompressed and immutable', async () => {
    const page = await (await fetch(`${origin}/portal`, { headers: { cookie: session.cookie } })).text();
    const urls = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    assert.ok(urls.every((url) => url.startsWith('/portal') || url.startsWith('#')), urls.join(' '));
    const script = urls.find((url) => /\/portal\/assets\/app-\w+\.js$/.test(url))!;
    const brotli = await fetch(`${origin}${script}`, { headers: { 'accept-encoding': 'br' } });
    assert.equal(brotli.status, 200);
    assert.equal(brotli.headers.get('content-encoding'), 'br');
    assert.equal(brotli.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const etag = brotli.headers.get('etag')!;
    assert.equal((await fetch(`${origin}${script}`, { headers: { 'accept-encoding': 'br', 'if-none-match': etag } })).status, 304);
    assert.equal((await fetch(`${origin}/portal/assets/nothing-here.js`)).status, 404);
    assert.equal((await fetch(`${origin}/portal/assets/..%2F..%2Fpackage.json`)).status, 404);
  });
});
