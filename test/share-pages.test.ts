/**
 * Share pages, signed URLs and embeds on a real `renderbay serve`, with one real video render
 * (share quality) and one stills render of a small fixture: signed URLs open without a key and
 * refuse a tampered path, quality, expiry or another render's signature; the share page and its
 * files answer without a key while the render is shareable and 404 like a missing render when
 * it is not; HTML escapes the model's title. Then in headless Chromium (skipped, saying why,
 * where none is installed): the share page plays in a fresh context without cookies, a signed
 * URL plays on a page of another origin, an expired signature fails and sharing off is a 404.
 * Screenshots: test-output/screenshots/share-*.png.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Browser } from 'puppeteer-core';
import { api, cli, createKey, expectError, modelForm, startServerProcess, waitForRender, type ServerProcess } from './helpers/api-server.js';
import { findChromium, launchChromium, NO_CHROMIUM, recordStatuses, screenshot, videoPlayback } from './helpers/browser.js';
import { call, connectHttp } from './helpers/mcp.js';

const FIXTURE = 'fixtures/generated/compass-cube.glb';
const TITLE = 'Chair <script>alert("x")</script> & "friends"';
const VIDEO_SIZE = 540; // share quality, aspect 1:1

let dataDirectory: string;
let server: ServerProcess;
let origin: string;
let key: string;
let keyB: string;
let videoId: string;
let stillsId: string;

before(async () => {
  dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-share-'));
  key = await createKey(dataDirectory);
  await cli('accounts', 'create', '--email', 'b@example.com', '--credits', '5', '--data', dataDirectory);
  keyB = await createKey(dataDirectory, { account: 'b@example.com' });
  server = await startServerProcess(dataDirectory);
  origin = new URL(server.url).origin;
  const video = await api(server, key, 'POST', '/models', await modelForm(FIXTURE, { quality: 'share', aspect: '1:1', length: 3 }));
  assert.equal(video.status, 201, JSON.stringify(video.body));
  videoId = video.body.data.renderId;
  assert.equal((await api(server, key, 'PATCH', `/models/${video.body.data.modelId}`, { title: TITLE, sku: 'SKU-<1>' })).status, 200);
  const stills = await api(server, key, 'POST', '/renders', { modelId: video.body.data.modelId, renderSettings: { output: 'stills', stills: ['front', 'side'], imageSize: '96x64' } });
  assert.equal(stills.status, 201, JSON.stringify(stills.body));
  stillsId = stills.body.data.id;
  for (const id of [videoId, stillsId]) assert.equal((await waitForRender(server, key, id, 240_000)).render.status, 'done');
});
after(async () => {
  await server?.stop();
  await rm(dataDirectory, { recursive: true, force: true });
});

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}
const body = (response: { bytes: Buffer }) => JSON.parse(response.bytes.toString('utf8'));
const embed = async (id: string, query = '') => api(server, key, 'GET', `/renders/${id}/embed${query}`);
/** A URL signed the documented way with the data directory's secret (read from its SQLite file). */
function signByHand(pathname: string, quality: string, expires: number): string {
  const db = new Database(path.join(dataDirectory, 'renderbay.db'), { readonly: true, fileMustExist: true });
  const secret = (db.prepare("SELECT value FROM server_secrets WHERE name = 'asset-url-signing'").get() as { value: string }).value;
  db.close();
  const sig = createHmac('sha256', secret).update(`${pathname}\n${quality}\n${expires}`).digest('hex');
  return `${origin}${pathname}?${quality ? `quality=${quality}&` : ''}expires=${expires}&sig=${sig}`;
}

describe('signed URLs and embeds', () => {
  test('embed: signed URLs of the files, the share page, a <video> snippet; ttl bounds; needs a key', async () => {
    const { status, body: response } = await embed(videoId, '?ttl=3600');
    assert.equal(status, 200, JSON.stringify(response));
    const data = response.data;
    assert.equal(data.shareUrl, `${origin}/portal/v/${videoId}`);
    assert.match(data.webVideoUrl, new RegExp(`^${origin}/v1/renders/${videoId}/video\\?quality=web&expires=\\d+&sig=[0-9a-f]{64}$`));
    assert.match(data.videoUrl, new RegExp(`^${origin}/v1/renders/${videoId}/video\\?expires=`));
    assert.match(data.posterUrl, new RegExp(`^${origin}/v1/renders/${videoId}/poster\\?quality=full&expires=`));
    const expiresAt = Date.parse(data.expiresAt);
    assert.ok(Math.abs(expiresAt - (Date.now() + 3600_000)) < 120_000, data.expiresAt);
    assert.ok(data.html.startsWith('<video autoplay loop muted playsinline'), data.html);
    assert.ok(data.html.includes(`<source src="${data.webVideoUrl.replaceAll('&', '&amp;')}" type="video/mp4">`), data.html);
    expectError(await embed(videoId, '?ttl=10'), 400, 'invalid_request', /ttl/);
    expectError(await embed(videoId, `?ttl=${40 * 86400}`), 400, 'invalid_request', /ttl/);
    expectError(await api(server, null, 'GET', `/renders/${videoId}/embed`), 401, 'unauthorized');
    expectError(await api(server, keyB, 'GET', `/renders/${videoId}/embed`), 404, 'render_not_found');
  });

  test('a signed URL serves the file without a key: same bytes, Range, ETag, private caching until it expires', async () => {
    const { webVideoUrl } = (await embed(videoId, '?ttl=600')).body.data;
    const keyed = await get(`${server.url}/renders/${videoId}/video?quality=web`, { authorization: `Bearer ${key}` });
    const signed = await get(webVideoUrl);
    assert.equal(signed.status, 200);
    assert.equal(signed.headers.get('content-type'), 'video/mp4');
    assert.deepEqual(signed.bytes, keyed.bytes);
    const maxAge = Number(/^private, max-age=(\d+)$/.exec(signed.headers.get('cache-control') ?? '')?.[1]);
    assert.ok(maxAge > 500 && maxAge <= 600, signed.headers.get('cache-control') ?? '');
    const part = await get(webVideoUrl, { range: 'bytes=100-199' });
    assert.equal(part.status, 206);
    assert.deepEqual(part.bytes, keyed.bytes.subarray(100, 200));
    assert.equal((await get(webVideoUrl, { 'if-none-match': signed.headers.get('etag')! })).status, 304);
    const stills = (await embed(stillsId)).body.data;
    assert.equal(stills.webVideoUrl, null);
    assert.ok(stills.html.startsWith('<img src='), stills.html);
    assert.equal((await get(stills.posterUrl)).headers.get('content-type'), 'image/png');
  });

  test('tampered path, quality or expiry, another render\'s signature, a missing one: 403 invalid_signature; expired: 403 signature_expired', async () => {
    const { webVideoUrl } = (await embed(videoId)).body.data;
    const url = new URL(webVideoUrl);
    const sig = url.searchParams.get('sig')!;
    const expires = url.searchParams.get('expires')!;
    const otherSig = new URL((await embed(stillsId)).body.data.posterUrl).searchParams.get('sig')!;
    const refused = [
      `${origin}/v1/renders/${videoId}/video?expires=${expires}&sig=${sig}`, // quality dropped: the full video
      `${origin}/v1/renders/${videoId}/poster?quality=web&expires=${expires}&sig=${sig}`, // another file
      `${origin}/v1/renders/${stillsId}/video?quality=web&expires=${expires}&sig=${sig}`, // another render
      `${origin}/v1/renders/${videoId}/video?quality=web&expires=${Number(expires) + 86400}&sig=${sig}`, // longer life
      `${origin}/v1/renders/${videoId}/video?quality=web&expires=${expires}&sig=${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`,
      `${origin}/v1/renders/${videoId}/poster?quality=full&expires=${expires}&sig=${otherSig}`,
      `${origin}/v1/renders/${videoId}/video?quality=web&expires=${expires}`,
      `${origin}/v1/renders/${videoId}/video?quality=web&sig=${sig}`,
    ];
    for (const bad of refused) {
      const response = await get(bad);
      assert.equal(response.status, 403, bad);
      assert.equal(body(response).error.code, 'invalid_signature', bad);
    }
    const expired = await get(signByHand(`/v1/renders/${videoId}/video`, 'web', Math.floor(Date.now() / 1000) - 5));
    assert.equal(expired.status, 403);
    assert.equal(body(expired).error.code, 'signature_expired');
    // The scheme as documented: a URL signed by hand for the future opens.
    assert.equal((await get(signByHand(`/v1/renders/${videoId}/video`, 'web', Math.floor(Date.now() / 1000) + 60))).status, 200);
    // A signature opens files, never JSON routes.
    assert.equal((await get(`${origin}/v1/renders/${videoId}?expires=${expires}&sig=${sig}`)).status, 401);
  });

  test('MCP download_render over HTTP returns signed URLs that open without a key', async () => {
    const client = await connectHttp(server.url, key);
    try {
      const download = await call(client, 'download_render', { renderId: videoId });
      const web = download.files.find((file: { name: string }) => file.name === 'web');
      assert.match(web.url, new RegExp(`^${origin}/v1/renders/${videoId}/video\\?quality=web&expires=\\d+&sig=`));
      const fetched = await get(web.url);
      assert.equal(fetched.status, 200);
      assert.equal(fetched.bytes.length, web.size);
      assert.equal((await get(download.bundleUrl)).headers.get('content-type'), 'application/zip');
    } finally {
      await client.close();
    }
  });
});

describe('share pages', () => {
  test('the page: video with poster, title and SKU escaped, OG/Twitter/oEmbed tags, download links; no key', async () => {
    const page = await get(`${origin}/portal/v/${videoId}`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const text = page.bytes.toString('utf8');
    assert.ok(!text.includes('<script'), 'the title must not become markup');
    assert.ok(text.includes('<h1>Chair &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;friends&quot;</h1>'), text);
    assert.ok(text.includes('SKU SKU-&lt;1&gt;'));
    assert.ok(text.includes(`<meta property="og:image" content="${origin}/portal/v/${videoId}/poster.png">`));
    assert.ok(text.includes(`<meta property="og:video" content="${origin}/portal/v/${videoId}/web.mp4">`));
    assert.ok(text.includes(`<meta property="og:video:width" content="${VIDEO_SIZE}">`));
    assert.ok(text.includes('<meta name="twitter:card" content="player">'));
    assert.match(text, /<video controls autoplay muted loop playsinline [^>]*poster="[^"]+\/poster\.png"/);
    assert.ok(text.includes(`href="${origin}/portal/oembed?url=${encodeURIComponent(`${origin}/portal/v/${videoId}`)}&amp;format=json"`));
    assert.ok(text.includes('>Download web video</a>'));
  });

  test('its files without a key: poster.png, web.mp4 with Range, the full video, stills; revalidated each use', async () => {
    const keyed = await get(`${server.url}/renders/${videoId}/video?quality=web`, { authorization: `Bearer ${key}` });
    const web = await get(`${origin}/portal/v/${videoId}/web.mp4`);
    assert.deepEqual([web.status, web.headers.get('content-type'), web.headers.get('cache-control')], [200, 'video/mp4', 'no-cache']);
    assert.deepEqual(web.bytes, keyed.bytes);
    const part = await get(`${origin}/portal/v/${videoId}/web.mp4`, { range: 'bytes=0-99' });
    assert.deepEqual([part.status, part.bytes.length], [206, 100]);
    assert.equal((await get(`${origin}/portal/v/${videoId}/poster.png`)).headers.get('content-type'), 'image/png');
    assert.equal((await get(`${origin}/portal/v/${videoId}/video`)).status, 200);
    const stillsPage = (await get(`${origin}/portal/v/${stillsId}`)).bytes.toString('utf8');
    assert.ok(stillsPage.includes(`<img src="${origin}/portal/v/${stillsId}/stills/side"`), stillsPage);
    assert.ok(!stillsPage.includes('<video'));
    assert.equal((await get(`${origin}/portal/v/${stillsId}/stills/side`)).headers.get('content-type'), 'image/png');
  });

  test('oEmbed: a video with an iframe of the share page, fitted to maxwidth; 404 for other URLs', async () => {
    const shareUrl = `${origin}/portal/v/${videoId}`;
    const response = await get(`${origin}/portal/oembed?url=${encodeURIComponent(shareUrl)}&maxwidth=270`);
    assert.equal(response.status, 200);
    const data = body(response);
    assert.deepEqual([data.version, data.type, data.width, data.height, data.title], ['1.0', 'video', 270, 270, TITLE]);
    assert.ok(data.html.startsWith(`<iframe src="${shareUrl}" width="270" height="270"`), data.html);
    assert.equal(data.thumbnail_url, `${shareUrl}/poster.png`);
    assert.equal((await get(`${origin}/portal/oembed?url=${encodeURIComponent(`${origin}/portal/v/nope`)}`)).status, 404);
    assert.equal((await get(`${origin}/portal/oembed?url=${encodeURIComponent(`https://elsewhere.example/portal/v/${videoId}`)}`)).status, 404);
    assert.equal((await get(`${origin}/portal/oembed?url=${encodeURIComponent(shareUrl)}&format=xml`)).status, 501);
  });

  test('shareable false / sharing false: every public route answers exactly like a missing render; signed URLs still open', async () => {
    const routes = (id: string) => [`/portal/v/${id}`, `/portal/v/${id}/poster.png`, `/portal/v/${id}/web.mp4`, `/portal/v/${id}/video`, `/portal/oembed?url=${encodeURIComponent(`${origin}/portal/v/${id}`)}`];
    const answers = async (id: string) => Promise.all(routes(id).map(async (route) => { const response = await get(`${origin}${route}`); return [response.status, response.bytes.toString('utf8').replaceAll(id, 'ID')]; }));
    const missing = await answers('r_missing0000');
    assert.ok(missing.every(([status]) => status === 404));
    const { webVideoUrl } = (await embed(videoId)).body.data;

    expectError(await api(server, keyB, 'PATCH', `/renders/${videoId}`, { shareable: false }), 404, 'render_not_found');
    expectError(await api(server, key, 'PATCH', `/renders/${videoId}`, { shareable: 'no' }), 400, 'invalid_request');
    const off = await api(server, key, 'PATCH', `/renders/${videoId}`, { shareable: false });
    assert.deepEqual([off.status, off.body.data.id, off.body.data.shareable], [200, videoId, false]);
    assert.deepEqual(await answers(videoId), missing);
    assert.equal((await embed(videoId)).body.data.shareUrl, null);
    assert.equal((await get(webVideoUrl)).status, 200, 'a signed URL is its own grant, until it expires');
    assert.equal((await api(server, key, 'PATCH', `/renders/${videoId}`, { shareable: true })).body.data.shareable, true);
    assert.equal((await get(`${origin}/portal/v/${videoId}`)).status, 200);

    const account = await api(server, key, 'PATCH', '/account', { sharing: false });
    assert.deepEqual([account.status, account.body.data.sharing], [200, false]);
    assert.equal((await api(server, key, 'GET', '/account')).body.data.sharing, false);
    assert.deepEqual(await answers(videoId), missing);
    assert.equal((await get(`${origin}/portal/v/${stillsId}/stills/side`)).status, 404);
    expectError(await api(server, key, 'PATCH', '/account', { sharing: true, credits: 1e6 }), 400, 'invalid_request', /credits/);
    assert.equal((await api(server, key, 'PATCH', '/account', { sharing: true })).body.data.sharing, true);
    assert.equal((await get(`${origin}/portal/v/${videoId}`)).status, 200);
  });
});

describe('in a real browser', () => {
  const chromium = findChromium();
  let browser: Browser;
  let otherSite: http.Server;
  let otherOrigin: string;
  let embedHtml = '';

  before(async () => {
    if (!chromium) return;
    browser = await launchChromium(chromium);
    // Another origin (another port): a plain page embedding the render with the snippet embed gives.
    otherSite = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><title>Someone else's shop</title><h1>Our chair</h1>${embedHtml}`);
    });
    await new Promise<void>((resolve) => otherSite.listen(0, '127.0.0.1', resolve));
    otherOrigin = `http://localhost:${(otherSite.address() as AddressInfo).port}`;
  });
  after(async () => {
    await browser?.close();
    otherSite?.close();
  });

  test('the share page plays in a fresh context without cookies and carries its OG tags', { skip: chromium ? false : NO_CHROMIUM }, async () => {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    const response = await page.goto(`${origin}/portal/v/${videoId}`, { waitUntil: 'load' });
    assert.equal(response?.status(), 200);
    assert.equal((await page.cookies()).length, 0);
    const playback = await videoPlayback(page);
    assert.equal(playback.error, null);
    assert.ok(playback.currentTime > 0.3, `currentTime ${playback.currentTime}`);
    assert.deepEqual([playback.videoWidth, playback.videoHeight], [VIDEO_SIZE, VIDEO_SIZE]);
    const og = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('meta[property^="og:"]')].map((meta) => [meta.getAttribute('property'), meta.getAttribute('content')])));
    assert.equal(og['og:image'], `${origin}/portal/v/${videoId}/poster.png`);
    assert.equal(og['og:video'], `${origin}/portal/v/${videoId}/web.mp4`);
    assert.equal(og['og:title'], TITLE);
    assert.equal(await page.title(), `${TITLE} · Renderbay`);
    await screenshot(page, 'share-page-video');
    await page.goto(`${origin}/portal/v/${stillsId}`, { waitUntil: 'load' });
    // Lazy images load after the load event: wait (deadline-based) for both stills to be decoded.
    await page.waitForFunction(() => [...document.images].filter((image) => image.complete && image.naturalWidth === 96).length === 2, { timeout: 30_000, polling: 100 });
    await screenshot(page, 'share-page-stills');
    await context.close();
  });

  test('a signed URL embedded on a page of another origin plays; an expired one fails with 403', { skip: chromium ? false : NO_CHROMIUM }, async () => {
    embedHtml = (await embed(videoId, '?ttl=600')).body.data.html;
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.goto(`${otherOrigin}/`, { waitUntil: 'load' });
    const playback = await videoPlayback(page);
    assert.equal(playback.error, null);
    assert.ok(playback.currentTime > 0.3, `currentTime ${playback.currentTime}`);
    assert.equal(playback.videoWidth, VIDEO_SIZE);
    await screenshot(page, 'share-embed-other-origin');

    const expired = signByHand(`/v1/renders/${videoId}/video`, 'web', Math.floor(Date.now() / 1000) - 1);
    embedHtml = `<video autoplay muted playsinline src="${expired.replaceAll('&', '&amp;')}"></video>`;
    const statuses = await recordStatuses(page);
    await page.goto(`${otherOrigin}/expired`, { waitUntil: 'load' });
    const failed = await videoPlayback(page);
    assert.notEqual(failed.error, null, 'the expired video does not play');
    assert.equal(failed.videoWidth, 0);
    assert.equal(statuses.get(expired), 403, `statuses seen: ${JSON.stringify([...statuses])}`);
    await screenshot(page, 'share-embed-expired');
    await context.close();
  });

  test('sharing off: the share page is a 404 in the browser', { skip: chromium ? false : NO_CHROMIUM }, async () => {
    await api(server, key, 'PATCH', `/renders/${videoId}`, { shareable: false });
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    const response = await page.goto(`${origin}/portal/v/${videoId}`, { waitUntil: 'load' });
    assert.equal(response?.status(), 404);
    assert.equal(await page.$('video'), null);
    await screenshot(page, 'share-page-not-shared');
    await context.close();
    await api(server, key, 'PATCH', `/renders/${videoId}`, { shareable: true });
  });
});
