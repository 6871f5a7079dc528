import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RenderbayError } from '../src/errors.js';
import { downloadToFile, type DownloadOptions } from '../src/ingest/url-download.js';

// Every server loop below is bounded (bytes, ticks or a timer) so the suite always ends.
const MODEL = randomBytes(200 * 1024);
const MODEL_SHA256 = createHash('sha256').update(MODEL).digest('hex');
const KiB = 1024;

let server: http.Server;
let ipv6Server: http.Server | null = null;
let port: number;
let ipv6Port: number;
let connections = 0; // TCP connections accepted by either server: the proof that a refusal sent nothing
let directory: string;
const pendingTimers = new Set<NodeJS.Timeout>();

function later(ms: number, action: () => void): void {
  const timer = setTimeout(() => {
    pendingTimers.delete(timer);
    action();
  }, ms);
  pendingTimers.add(timer);
}

function handle(request: http.IncomingMessage, response: http.ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://test');
  const redirect = (location: string) => response.writeHead(302, { location }).end();
  switch (url.pathname) {
    case '/model.glb':
    case '/files/My%20Helmet.glb':
      response.writeHead(200, { 'content-type': 'model/gltf-binary', 'content-length': MODEL.length }).end(MODEL);
      return;
    case '/download':
      response.writeHead(200, { 'content-disposition': 'attachment; filename="../../etc/Damaged Helmet.glb"' }).end(MODEL);
      return;
    case '/download-utf8':
      response.writeHead(200, {
        'content-disposition': `attachment; filename="fallback.glb"; filename*=UTF-8''${encodeURIComponent('Стул.glb')}`,
      }).end(MODEL);
      return;
    case '/chain': {
      const remaining = Number(url.searchParams.get('n'));
      if (remaining > 0) redirect(`/chain?n=${remaining - 1}`);
      else response.writeHead(200).end(MODEL);
      return;
    }
    case '/to-file':
      redirect('file:///etc/passwd');
      return;
    case '/to-metadata':
      redirect('http://169.254.169.254/latest/meta-data');
      return;
    case '/to-loopback-v6':
      redirect(`http://[::1]:${ipv6Port}/model.glb`);
      return;
    case '/to-rebound-name':
      redirect(`http://rebound.example.test:${port}/model.glb`);
      return;
    case '/missing':
      response.writeHead(404).end('not here');
      return;
    case '/slow-headers':
      later(3000, () => response.writeHead(200).end(MODEL));
      return;
    case '/slow-drip': {
      response.writeHead(200, { 'content-length': 1000 });
      let sent = 0;
      const drip = setInterval(() => {
        if (response.destroyed || sent >= 60) {
          clearInterval(drip);
          response.end();
          return;
        }
        response.write('x');
        sent += 1;
      }, 50);
      return;
    }
    case '/endless': {
      // No Content-Length (chunked); stops when the client goes away, or at 32 MiB whatever happens.
      let sent = 0;
      response.writeHead(200, { 'content-type': 'model/gltf-binary' });
      const pump = (): void => {
        while (!response.destroyed && sent < 32 * 1024 * KiB) {
          sent += 16 * KiB;
          if (!response.write(randomBytes(16 * KiB))) {
            response.once('drain', pump);
            return;
          }
        }
        response.end();
      };
      pump();
      return;
    }
    case '/declared-huge':
      // Declares 1 GiB, sends a little, then holds: a downloader that reads the body would time out instead.
      response.writeHead(200, { 'content-length': 1024 * 1024 * KiB });
      response.write(randomBytes(KiB));
      later(3000, () => response.destroy());
      return;
    default:
      response.writeHead(404).end();
  }
}

async function listen(target: http.Server, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    target.once('error', reject);
    target.listen(0, host, () => resolve());
  });
  return (target.address() as AddressInfo).port;
}

function newServer(): http.Server {
  const created = http.createServer(handle);
  created.on('connection', () => {
    connections += 1;
  });
  return created;
}

async function closeServer(target: http.Server): Promise<void> {
  target.closeAllConnections();
  await new Promise<void>((resolve) => target.close(() => resolve()));
}

/** The RenderbayError a download rejects with; fails the test if it resolves. */
async function downloadError(url: unknown, options: Partial<DownloadOptions> = {}): Promise<RenderbayError> {
  try {
    const file = await downloadToFile(url, directory, { timeoutMs: 5000, ...options });
    assert.fail(`expected ${String(url)} to be refused, got ${file.path}`);
  } catch (error) {
    if (!(error instanceof RenderbayError)) throw error;
    return error;
  }
}

async function assertNothingLeft(): Promise<void> {
  assert.deepEqual(await readdir(directory), []);
}

/** Asserts a refused URL never reached any local server (no TCP connection at all). */
async function assertRefusedWithoutContact(url: string, options: Partial<DownloadOptions> = {}): Promise<RenderbayError> {
  const before = connections;
  const error = await downloadError(url, { allowPrivate: false, timeoutMs: 2000, ...options });
  assert.equal(error.code, 'invalid_url', `${url}: ${error.message}`);
  assert.equal(error.status, 400);
  assert.equal(connections, before, `${url} must be refused before connecting`);
  await assertNothingLeft();
  return error;
}

before(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'renderbay-download-'));
  server = newServer();
  port = await listen(server, '127.0.0.1');
  ipv6Server = newServer();
  try {
    ipv6Port = await listen(ipv6Server, '::1');
  } catch {
    ipv6Server = null; // no IPv6 loopback here: the [::1] cases are still refused, just with nothing to reach
    ipv6Port = port;
  }
});

after(async () => {
  for (const timer of pendingTimers) clearTimeout(timer);
  await closeServer(server);
  if (ipv6Server) await closeServer(ipv6Server);
  await rm(directory, { recursive: true, force: true });
});

describe('downloadToFile: successful downloads', () => {
  test('streams the body to a temp file with matching bytes and SHA-256', async () => {
    const file = await downloadToFile(`http://127.0.0.1:${port}/model.glb`, directory, { allowPrivate: true });
    try {
      assert.equal(path.dirname(file.path), directory);
      assert.equal(file.bytes, MODEL.length);
      assert.equal(file.sha256, MODEL_SHA256);
      assert.deepEqual(await readFile(file.path), MODEL);
      assert.equal(file.filename, 'model.glb');
      assert.equal(file.contentType, 'model/gltf-binary');
      assert.equal(file.finalUrl, `http://127.0.0.1:${port}/model.glb`);
    } finally {
      await rm(file.path);
    }
  });

  test('takes the filename from Content-Disposition, reduced to a basename', async () => {
    const file = await downloadToFile(`http://127.0.0.1:${port}/download`, directory, { allowPrivate: true });
    await rm(file.path);
    assert.equal(file.filename, 'Damaged Helmet.glb');
    assert.equal(file.contentType, null);
  });

  test("prefers Content-Disposition's filename* (UTF-8) over filename", async () => {
    const file = await downloadToFile(`http://127.0.0.1:${port}/download-utf8`, directory, { allowPrivate: true });
    await rm(file.path);
    assert.equal(file.filename, 'Стул.glb');
  });

  test('takes the filename from the decoded last URL path segment', async () => {
    const file = await downloadToFile(`http://127.0.0.1:${port}/files/My%20Helmet.glb?token=abc`, directory, { allowPrivate: true });
    await rm(file.path);
    assert.equal(file.filename, 'My Helmet.glb');
    assert.equal(file.sha256, MODEL_SHA256);
  });

  test('follows redirects up to maxRedirects and reports the final URL', async () => {
    const file = await downloadToFile(`http://127.0.0.1:${port}/chain?n=2`, directory, { allowPrivate: true, maxRedirects: 2 });
    await rm(file.path);
    assert.equal(file.sha256, MODEL_SHA256);
    assert.equal(file.finalUrl, `http://127.0.0.1:${port}/chain?n=0`);
    assert.equal(file.filename, 'chain');
  });

  test('connects to the address the resolver returned (the hook the SSRF check sits in)', async () => {
    const resolve = async () => [{ address: '127.0.0.1', family: 4 }];
    const file = await downloadToFile(`http://models.example.test:${port}/model.glb`, directory, { allowPrivate: true, resolve });
    await rm(file.path);
    assert.equal(file.sha256, MODEL_SHA256);
  });
});

describe('downloadToFile: url validation', () => {
  test('missing, empty or non-string url → url_required', async () => {
    for (const url of [undefined, null, '', '   ', 42, { href: 'http://example.com' }]) {
      const error = await downloadError(url);
      assert.equal(error.code, 'url_required', JSON.stringify(url));
      assert.equal(error.status, 400);
    }
    await assertNothingLeft();
  });

  test('other schemes → invalid_url naming what is allowed', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.com/model.glb', 'data:model/gltf-binary;base64,Z2xURg==', 'javascript:alert(1)', 'gopher://example.com/']) {
      const error = await downloadError(url);
      assert.equal(error.code, 'invalid_url', url);
      assert.match(error.message, /only http:\/\/ and https:\/\/ URLs are allowed/);
    }
    await assertNothingLeft();
  });

  test('malformed urls → invalid_url', async () => {
    for (const url of ['not a url', 'http://', 'http://exa mple.com/', '//example.com/model.glb']) {
      const error = await downloadError(url);
      assert.equal(error.code, 'invalid_url', url);
      assert.match(error.message, /http:\/\/ or https:\/\//);
    }
  });

  test('credentials in the url → invalid_url, nothing sent', async () => {
    const before = connections;
    const error = await downloadError(`http://user:secret@127.0.0.1:${port}/model.glb`, { allowPrivate: true });
    assert.equal(error.code, 'invalid_url');
    assert.match(error.message, /Credentials/);
    assert.equal(connections, before);
  });
});

describe('downloadToFile: SSRF protection (allowPrivate false)', () => {
  test('loopback by IP, name, IPv6, decimal, hex and IPv4-mapped spellings is refused before connecting', async () => {
    const urls = [
      `http://127.0.0.1:${port}/model.glb`,
      `http://localhost:${port}/model.glb`,
      `http://[::1]:${ipv6Port}/model.glb`,
      `http://2130706433:${port}/model.glb`,
      `http://0x7f000001:${port}/model.glb`,
      `http://[::ffff:127.0.0.1]:${port}/model.glb`,
      `http://0.0.0.0:${port}/model.glb`,
    ];
    for (const url of urls) {
      const error = await assertRefusedWithoutContact(url);
      assert.match(error.message, /RENDERBAY_ALLOW_PRIVATE_URLS=1/);
    }
  });

  test('the message names the address a hostname resolved to', async () => {
    const error = await assertRefusedWithoutContact(`http://localhost:${port}/model.glb`);
    assert.match(error.message, /"localhost" \(resolves to (127\.0\.0\.1|::1)\)/);
    assert.match(error.message, /loopback/);
  });

  test('private, link-local (cloud metadata), CGNAT, unique-local and multicast targets are refused', async () => {
    const urls = [
      'http://10.0.0.1/model.glb',
      'http://172.16.5.4/model.glb',
      'http://192.168.1.1/model.glb',
      'http://169.254.169.254/latest/meta-data',
      'http://100.64.0.1/model.glb',
      'http://[fd00::1]/model.glb',
      'http://[fe80::1]/model.glb',
      'http://224.0.0.1/model.glb',
      'http://255.255.255.255/model.glb',
      'http://[::ffff:169.254.169.254]/latest/meta-data',
      'http://[64:ff9b::a00:1]/model.glb',
    ];
    for (const url of urls) await assertRefusedWithoutContact(url);
    const metadata = await assertRefusedWithoutContact('http://169.254.169.254/latest/meta-data');
    assert.match(metadata.message, /169\.254\.169\.254/);
    assert.match(metadata.message, /non-public address \(link-local\)/);
  });

  test('a public-looking name that resolves to a private address (DNS rebinding) is refused', async () => {
    const resolve = async () => [{ address: '127.0.0.1', family: 4 }];
    const error = await assertRefusedWithoutContact(`http://cdn.example.test:${port}/model.glb`, { resolve });
    assert.match(error.message, /"cdn\.example\.test" \(resolves to 127\.0\.0\.1\)/);
  });

  test('a name with one public and one private answer is refused', async () => {
    const resolve = async () => [
      { address: '93.184.215.14', family: 4 },
      { address: '10.1.2.3', family: 4 },
    ];
    const error = await assertRefusedWithoutContact('http://mixed.example.test/model.glb', { resolve });
    assert.match(error.message, /10\.1\.2\.3/);
  });
});

describe('downloadToFile: redirects are re-checked on every hop', () => {
  // The first hop is the local test server, allowed by exact address; every later hop gets the strict policy.
  const firstHopOnly: Partial<DownloadOptions> = { allowPrivate: false, allowAddresses: ['127.0.0.1'] };

  test('a redirect to file: is refused', async () => {
    const error = await downloadError(`http://127.0.0.1:${port}/to-file`, firstHopOnly);
    assert.equal(error.code, 'invalid_url');
    assert.match(error.message, /redirect .*"file:".*only http:\/\/ and https:\/\//);
    await assertNothingLeft();
  });

  test('a redirect to the cloud metadata address is refused before connecting', async () => {
    const error = await downloadError(`http://127.0.0.1:${port}/to-metadata`, firstHopOnly);
    assert.equal(error.code, 'invalid_url');
    assert.match(error.message, /169\.254\.169\.254/);
    await assertNothingLeft();
  });

  test('a redirect to another loopback address is refused and never reaches it', async () => {
    const before = connections;
    const error = await downloadError(`http://127.0.0.1:${port}/to-loopback-v6`, firstHopOnly);
    assert.equal(error.code, 'invalid_url');
    assert.match(error.message, /::1/);
    assert.equal(connections, before + 1, 'only the first hop may connect');
  });

  test('a redirect to a name that resolves to a private address is refused', async () => {
    const resolve = async (hostname: string) => {
      assert.equal(hostname, 'rebound.example.test');
      return [{ address: '10.0.0.1', family: 4 }];
    };
    const error = await downloadError(`http://127.0.0.1:${port}/to-rebound-name`, { ...firstHopOnly, resolve });
    assert.equal(error.code, 'invalid_url');
    assert.match(error.message, /"rebound\.example\.test" \(resolves to 10\.0\.0\.1\)/);
    await assertNothingLeft();
  });

  test('more than maxRedirects → invalid_url "too many redirects"', async () => {
    const error = await downloadError(`http://127.0.0.1:${port}/chain?n=3`, { allowPrivate: true, maxRedirects: 2 });
    assert.equal(error.code, 'invalid_url');
    assert.match(error.message, /Too many redirects \(more than 2\)/);
    await assertNothingLeft();
  });

  test('an endless redirect loop stops at the default limit of 5', async () => {
    const error = await downloadError(`http://127.0.0.1:${port}/chain?n=1000`, { allowPrivate: true });
    assert.equal(error.code, 'invalid_url');
    assert.match(error.message, /more than 5/);
  });
});

describe('downloadToFile: limits and failures', () => {
  test('headers slower than timeoutMs → timeout (408)', async () => {
    const started = Date.now();
    const error = await downloadError(`http://127.0.0.1:${port}/slow-headers`, { allowPrivate: true, timeoutMs: 300 });
    assert.equal(error.code, 'timeout');
    assert.equal(error.status, 408);
    assert.ok(Date.now() - started < 2000, 'gave up at the budget, not when the server answered');
    await assertNothingLeft();
  });

  test('a slow-dripping body → timeout, partial file deleted', async () => {
    const started = Date.now();
    const error = await downloadError(`http://127.0.0.1:${port}/slow-drip`, { allowPrivate: true, timeoutMs: 500 });
    assert.equal(error.code, 'timeout');
    assert.equal(error.status, 408);
    assert.ok(Date.now() - started < 2000);
    await assertNothingLeft();
  });

  test('an endless body without Content-Length → file_too_large at the limit, nothing left', async () => {
    const error = await downloadError(`http://127.0.0.1:${port}/endless`, { allowPrivate: true, maxBytes: 64 * KiB });
    assert.equal(error.code, 'file_too_large');
    assert.equal(error.status, 400);
    assert.match(error.message, /64 KB limit/);
    await assertNothingLeft();
  });

  test('a declared Content-Length above the limit → file_too_large without reading the body', async () => {
    const started = Date.now();
    const error = await downloadError(`http://127.0.0.1:${port}/declared-huge`, { allowPrivate: true, timeoutMs: 2000 });
    assert.equal(error.code, 'file_too_large');
    assert.match(error.message, /100 MB limit \(the server declares 1073741824 bytes\)/);
    // Within the 2 s budget, so not by waiting for the body (that would end in `timeout`); the margin is for starting the fetcher's thread on a loaded machine.
    assert.ok(Date.now() - started < 1900, 'refused on the header, not after waiting for the body');
    await assertNothingLeft();
  });

  test('HTTP 404 → download_failed naming the status', async () => {
    const error = await downloadError(`http://127.0.0.1:${port}/missing`, { allowPrivate: true });
    assert.equal(error.code, 'download_failed');
    assert.equal(error.status, 400);
    assert.match(error.message, /HTTP 404 Not Found/);
    await assertNothingLeft();
  });

  test('connection refused (a closed port) → download_failed', async () => {
    const closed = http.createServer();
    const closedPort = await listen(closed, '127.0.0.1');
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await downloadError(`http://127.0.0.1:${closedPort}/model.glb`, { allowPrivate: true });
    assert.equal(error.code, 'download_failed');
    assert.match(error.message, /connection refused \(ECONNREFUSED\)/);
    await assertNothingLeft();
  });

  test('a host that does not resolve → download_failed', async () => {
    const resolve = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' });
    };
    const error = await downloadError('http://nowhere.invalid/model.glb', { resolve });
    assert.equal(error.code, 'download_failed');
    assert.match(error.message, /host not found \(ENOTFOUND\)/);
  });
});
