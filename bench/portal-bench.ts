/**
 * The portal's figures, on a real `renderbay serve` and Debian's Chromium:
 *
 *   npm run bench:portal
 *
 * 1. The model grid with 500 models: server time of the grid's JSON (GET /portal/api/grid, the
 *    first page of 100, median and p95 of 30) and of the app page; then in the browser, from
 *    navigation to the grid painted (100 cards, the posters in view decoded), cold and warm.
 * 2. The public share page: bytes the browser received before its video started playing
 *    (page, poster, video), in a fresh context without cookies.
 * The 500 models are one real upload (with its preview render and a paid share-quality render)
 * and 499 copies of its rows made in SQLite, so the grid shows 500 real posters without 500 renders.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { api, createKey, modelForm, startServerProcess, waitForRender } from '../test/helpers/api-server.js';
import { findChromium, launchChromium } from '../test/helpers/browser.js';
import { portalSession } from '../test/helpers/portal.js';
import { percentile } from './statistics.js';

const MODELS = 500;
const FIXTURE = 'fixtures/generated/compass-cube.glb';

async function main(): Promise<void> {
  const chromium = findChromium();
  if (!chromium) throw new Error('no Chromium: install Debian\'s "chromium" package (scripts/setup.sh)');
  const data = await mkdtemp(path.join(os.tmpdir(), 'renderbay-portal-bench-'));
  const key = await createKey(data, { name: 'bench' });
  const server = await startServerProcess(data);
  const origin = new URL(server.url).origin;
  const browser = await launchChromium(chromium);
  try {
    console.log(`Renderbay portal benchmark: ${os.cpus().length} cores (${os.cpus()[0]?.model}), load ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`);
    const created = await api(server, key, 'POST', '/models', await modelForm(FIXTURE, { quality: 'share' }));
    const { modelId, renderId } = created.body.data;
    await waitForRender(server, key, renderId, 600_000);
    const preview = (await api(server, key, 'GET', `/renders?model=${modelId}&limit=100`)).body.data.find((render: any) => render.isSystemPreview);
    await waitForRender(server, key, preview.id, 600_000);

    // 499 more models: copies of the real one's rows (new ids and hashes; the same files).
    const db = new Database(path.join(data, 'renderbay.db'));
    db.pragma('busy_timeout = 10000');
    const model = db.prepare('SELECT * FROM models WHERE id = ?').get(modelId) as Record<string, unknown>;
    const render = db.prepare('SELECT * FROM renders WHERE id = ?').get(preview.id) as Record<string, unknown>;
    const insert = (table: string, row: Record<string, unknown>) =>
      db.prepare(`INSERT INTO ${table} (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row).map(() => '?').join(', ')})`).run(...Object.values(row));
    db.transaction(() => {
      for (let index = 1; index < MODELS; index += 1) {
        const id = `bench${randomBytes(8).toString('hex')}`;
        const createdAt = new Date(Date.now() - index * 1000).toISOString();
        insert('models', { ...model, id, sha256: randomBytes(32).toString('hex'), title: `Bench model ${index}`, sku: `SKU-${index}`, created_at: createdAt });
        insert('renders', { ...render, id: `${id}p`, model_id: id, created_at: createdAt });
      }
    })();
    db.close();

    const session = await portalSession(origin, key);
    const timed = async (route: string) => {
      const times: number[] = [];
      let bytes = 0;
      for (let run = 0; run < 30; run += 1) {
        const started = performance.now();
        const response = await fetch(`${origin}${route}`, { headers: { cookie: session.cookie } });
        bytes = (await response.arrayBuffer()).byteLength;
        times.push(performance.now() - started);
      }
      return { median: percentile(times, 0.5), p95: percentile(times, 0.95), bytes };
    };
    const grid = await timed('/portal/api/grid?limit=100');
    const shell = await timed('/portal');
    console.log(`grid JSON, ${MODELS} models, first page of 100: median ${grid.median.toFixed(1)} ms, p95 ${grid.p95.toFixed(1)} ms, ${(grid.bytes / 1024).toFixed(0)} KiB`);
    console.log(`app page (GET /portal): median ${shell.median.toFixed(1)} ms, p95 ${shell.p95.toFixed(1)} ms, ${shell.bytes} bytes`);

    // Browser: navigation → 100 cards on screen and every poster in the viewport decoded.
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const [name, value] = session.cookie.split('=');
    await page.setCookie({ name, value, url: `${origin}/portal`, httpOnly: true, sameSite: 'Strict' });
    const painted = async (first: boolean) => {
      if (first) await page.goto(`${origin}/portal#/models`, { waitUntil: 'domcontentloaded' });
      else await page.reload({ waitUntil: 'domcontentloaded' });
      return page.waitForFunction(
        () => {
          const cards = document.querySelectorAll('#model-grid .card');
          if (cards.length < 100) return false;
          const inView = [...document.querySelectorAll<HTMLImageElement>('#model-grid img')].filter((image) => image.getBoundingClientRect().top < innerHeight);
          return inView.length > 0 && inView.every((image) => image.complete && image.naturalWidth > 0) && performance.now();
        },
        { timeout: 60_000, polling: 'raf' },
      ).then((handle) => handle.jsonValue() as Promise<number>);
    };
    const cold = await painted(true);
    const warm: number[] = [];
    for (let run = 0; run < 5; run += 1) warm.push(await painted(false));
    console.log(`browser, navigation → grid painted (100 cards, posters in view decoded): cold ${cold.toFixed(0)} ms, warm median ${percentile(warm, 0.5).toFixed(0)} ms (5 runs)`);

    // The share page in a fresh context: bytes received until its video plays.
    const visitor = await (await browser.createBrowserContext()).newPage();
    const devtools = await visitor.createCDPSession();
    await devtools.send('Network.enable');
    const urls = new Map<string, string>();
    const received = new Map<string, number>();
    devtools.on('Network.requestWillBeSent', ({ requestId, request }) => urls.set(requestId, request.url));
    devtools.on('Network.dataReceived', ({ requestId, encodedDataLength }) => received.set(requestId, (received.get(requestId) ?? 0) + encodedDataLength));
    devtools.on('Network.responseReceived', ({ requestId, response }) => received.set(requestId, (received.get(requestId) ?? 0) + (response.encodedDataLength ?? 0)));
    await visitor.goto(`${origin}/portal/v/${renderId}`, { waitUntil: 'domcontentloaded' });
    await visitor.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 0, { timeout: 60_000, polling: 50 });
    const byResource = new Map<string, number>();
    for (const [requestId, bytes] of received) {
      const url = new URL(urls.get(requestId) ?? 'about:blank');
      if (url.protocol !== 'http:' && url.protocol !== 'https:') continue; // the player's own icons (data: URLs)
      const kind = url.pathname.endsWith('/web.mp4') ? 'video' : url.pathname.endsWith('/poster.png') ? 'poster' : url.pathname === `/portal/v/${renderId}` ? 'page' : url.pathname;
      byResource.set(kind, (byResource.get(kind) ?? 0) + bytes);
    }
    const total = [...byResource.values()].reduce((sum, bytes) => sum + bytes, 0);
    const size = (await api(server, key, 'GET', `/renders/${renderId}`)).body.data.fileSize;
    console.log(
      `share page, bytes before the video plays: ${(total / 1024).toFixed(0)} KiB (${[...byResource].map(([kind, bytes]) => `${kind} ${(bytes / 1024).toFixed(1)} KiB`).join(', ')}); the render's files total ${(size / 1024).toFixed(0)} KiB`,
    );
  } finally {
    await browser.close();
    await server.stop();
    await rm(data, { recursive: true, force: true });
  }
}

await main();
