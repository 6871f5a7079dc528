import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fetch, FormData } from 'undici';
import { RenderbayError } from '../src/errors.js';
import { LIMITS } from '../src/limits.js';
import { receiveUpload, type ParsedUpload, type UploadOptions } from '../src/http/multipart-upload.js';

const MiB = 1024 * 1024;
const BOUNDARY = '----renderbay-test-boundary';

interface UploadServer {
  url: string;
  directory: string;
  /** What each receiveUpload call ended with, in order. */
  outcomes: Array<ParsedUpload | RenderbayError | Error>;
  close(): Promise<void>;
}

/** A stand-in for the real router: one route, the REST envelopes, the upload under test. */
async function startUploadServer(overrides: Partial<UploadOptions> = {}): Promise<UploadServer> {
  const directory = overrides.directory ?? (await mkdtemp(path.join(os.tmpdir(), 'renderbay-upload-')));
  const options: UploadOptions = {
    directory,
    fileField: 'file',
    maxFileBytes: 1 * MiB,
    maxFieldBytes: 1024,
    maxFields: 5,
    ...overrides,
  };
  const outcomes: UploadServer['outcomes'] = [];
  const server = http.createServer((request, response) => {
    receiveUpload(request, options).then(
      (upload) => {
        outcomes.push(upload);
        sendJson(response, 201, { data: upload });
      },
      (error: Error) => {
        outcomes.push(error);
        const status = error instanceof RenderbayError ? error.status : 500;
        const code = error instanceof RenderbayError ? error.code : 'internal';
        sendJson(response, status, { error: { code, message: error.message, status } });
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/upload`,
    directory,
    outcomes,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(directory, { recursive: true, force: true });
    },
  };
}

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  if (response.headersSent || response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function fileForm(data: Buffer, fields: Record<string, string> = {}, filename = 'model.glb'): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([Uint8Array.from(data)], { type: 'model/gltf-binary' }), filename);
  return form;
}

async function postForm(url: string, form: FormData): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method: 'POST', body: form });
  return { status: response.status, body: await response.json() };
}

/** Raw multipart pieces, for bodies a well-behaved FormData would never produce. */
function filePartHeader(field: string, filename: string): string {
  return (
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
    'Content-Type: application/octet-stream\r\n\r\n'
  );
}

async function postRaw(url: string, body: Buffer | string, headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, ...(headers as Record<string, string>) },
  });
  return { status: response.status, body: await response.json() };
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('receiveUpload', () => {
  let server: UploadServer;
  before(async () => {
    server = await startUploadServer({ maxFileBytes: 8 * MiB });
  });
  after(() => server.close());

  test('a few MB arrive byte-identical on disk, with their SHA-256 and the text fields', async () => {
    const data = randomBytes(5 * MiB + 123);
    const { status, body } = await postForm(server.url, fileForm(data, { title: 'Suzanne', renderSettings: '{"quality":"4k"}' }));
    assert.equal(status, 201);
    const file = body.data.file;
    assert.equal(file.bytes, data.length);
    assert.equal(file.sha256, sha256(data));
    assert.equal(file.filename, 'model.glb');
    assert.equal(file.mimeType, 'model/gltf-binary');
    assert.deepEqual(body.data.fields, { title: 'Suzanne', renderSettings: '{"quality":"4k"}' });
    assert.equal(path.dirname(file.path), server.directory);
    assert.ok((await readFile(file.path)).equals(data));
    await rm(file.path);
  });

  test('the client file name loses any directory part', async () => {
    const data = Buffer.from('glTF');
    const { status, body } = await postForm(server.url, fileForm(data, {}, '../../etc/passwd'));
    assert.equal(status, 201);
    assert.equal(body.data.file.filename, 'passwd');
    await rm(body.data.file.path);
  });

  test('fields without a file → no_file, after the fields were read', async () => {
    const form = new FormData();
    form.append('title', 'no model here');
    const { status, body } = await postForm(server.url, form);
    assert.equal(status, 400);
    assert.equal(body.error.code, 'no_file');
    assert.deepEqual(await readdir(server.directory), []);
  });

  test('a file part with an empty filename counts as no file', async () => {
    const body = `${filePartHeader('file', '')}\r\n--${BOUNDARY}--\r\n`;
    const result = await postRaw(server.url, body);
    assert.equal(result.status, 400);
    assert.equal(result.body.error.code, 'no_file');
  });

  test('a body that is not multipart/form-data → invalid_request', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ file: 'nope' }),
    });
    assert.equal(response.status, 400);
    const body: any = await response.json();
    assert.equal(body.error.code, 'invalid_request');
    assert.match(body.error.message, /multipart\/form-data/);
  });

  test('multipart without a boundary → invalid_request', async () => {
    const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: 'x' });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as any).error.code, 'invalid_request');
  });

  test('a body cut short before its closing boundary → invalid_request, nothing left on disk', async () => {
    const body = Buffer.concat([Buffer.from(filePartHeader('file', 'model.glb')), randomBytes(300 * 1024)]);
    const result = await postRaw(server.url, body);
    assert.equal(result.status, 400);
    assert.equal(result.body.error.code, 'invalid_request');
    assert.match(result.body.error.message, /malformed/);
    assert.deepEqual(await readdir(server.directory), []);
  });

  test('a second file part → invalid_request, nothing left on disk', async () => {
    const form = fileForm(randomBytes(200 * 1024));
    form.append('extra', new Blob([Uint8Array.from(randomBytes(10))]), 'extra.bin');
    const { status, body } = await postForm(server.url, form);
    assert.equal(status, 400);
    assert.equal(body.error.code, 'invalid_request');
    assert.match(body.error.message, /only one file/);
    assert.deepEqual(await readdir(server.directory), []);
  });

  test('a temp directory that cannot be written → the raw error (a 500 for the router), no crash', async () => {
    const broken = await startUploadServer({ directory: path.join(server.directory, 'missing', 'dir') });
    try {
      const { status, body } = await postForm(broken.url, fileForm(randomBytes(100 * 1024)));
      assert.equal(status, 500);
      assert.equal(body.error.code, 'internal');
      assert.match(body.error.message, /ENOENT/);
    } finally {
      await broken.close();
    }
    const data = randomBytes(1000);
    const healthy = await postForm(server.url, fileForm(data));
    assert.equal(healthy.body.data.file.sha256, sha256(data));
    await rm(healthy.body.data.file.path);
  });

  test('a repeated field name → invalid_request', async () => {
    const form = fileForm(Buffer.from('glTF'), { title: 'a' });
    form.append('title', 'b');
    const { status, body } = await postForm(server.url, form);
    assert.equal(status, 400);
    assert.match(body.error.message, /more than once/);
    assert.deepEqual(await readdir(server.directory), []);
  });
});

describe('receiveUpload field limits', () => {
  let server: UploadServer;
  before(async () => {
    server = await startUploadServer({ maxFieldBytes: 1024, maxFields: 5 });
  });
  after(() => server.close());

  test('a field of exactly maxFieldBytes is accepted; one byte more is refused by name', async () => {
    const accepted = await postForm(server.url, fileForm(Buffer.from('glTF'), { description: 'd'.repeat(1024) }));
    assert.equal(accepted.status, 201);
    assert.equal(accepted.body.data.fields.description.length, 1024);
    await rm(accepted.body.data.file.path);

    const refused = await postForm(server.url, fileForm(Buffer.from('glTF'), { description: 'd'.repeat(1025) }));
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, 'invalid_request');
    assert.equal(refused.body.error.message, 'field "description" is longer than 1 KB');
    assert.deepEqual(await readdir(server.directory), []);
  });

  test('more than maxFields fields → invalid_request naming the limit', async () => {
    const fields = Object.fromEntries(Array.from({ length: 6 }, (_, index) => [`field${index}`, 'x']));
    const { status, body } = await postForm(server.url, fileForm(Buffer.from('glTF'), fields));
    assert.equal(status, 400);
    assert.equal(body.error.code, 'invalid_request');
    assert.match(body.error.message, /too many form fields: at most 5/);
    assert.deepEqual(await readdir(server.directory), []);
  });
});

describe('receiveUpload oversize and aborts', () => {
  let server: UploadServer;
  before(async () => {
    server = await startUploadServer({ maxFileBytes: 1 * MiB });
  });
  after(() => server.close());

  test('exactly maxFileBytes is accepted', async () => {
    const data = randomBytes(1 * MiB);
    const { status, body } = await postForm(server.url, fileForm(data));
    assert.equal(status, 201);
    assert.equal(body.data.file.sha256, sha256(data));
    await rm(body.data.file.path);
  });

  test('2× the limit through fetch/FormData → the client reads 400 file_too_large, nothing on disk', async () => {
    const { status, body } = await postForm(server.url, fileForm(randomBytes(2 * MiB)));
    assert.equal(status, 400);
    assert.deepEqual(body.error, { code: 'file_too_large', message: 'File is larger than the 1 MB limit', status: 400 });
    assert.deepEqual(await readdir(server.directory), []);
  });

  test('2× the limit streamed chunked by http.request: the 400 arrives before the body is all sent', async () => {
    const total = 2 * MiB;
    const chunk = randomBytes(32 * 1024);
    const result = await new Promise<{ status: number; body: string; sentWhenAnswered: number; sent: number }>((resolve, reject) => {
      let sent = 0;
      let sentWhenAnswered = -1;
      const request = http.request(server.url, {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, // no length: chunked
      });
      request.on('error', (error) => (sentWhenAnswered < 0 ? reject(error) : undefined));
      request.on('response', (response) => {
        sentWhenAnswered = sent;
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (piece: string) => (text += piece));
        response.on('end', () => {
          // Node's client stops sending once a keep-alive response is complete; let it go.
          request.destroy();
          resolve({ status: response.statusCode ?? 0, body: text, sentWhenAnswered, sent });
        });
      });
      request.write(filePartHeader('file', 'big.glb'));
      const pump = (): void => {
        if (request.destroyed) return;
        if (sent >= total) {
          request.end(`\r\n--${BOUNDARY}--\r\n`);
          return;
        }
        sent += chunk.length;
        request.write(chunk);
        setTimeout(pump, 1); // a client on a real link: the server can answer mid-body
      };
      pump();
    });
    assert.equal(result.status, 400);
    assert.equal(JSON.parse(result.body).error.code, 'file_too_large');
    assert.ok(result.sentWhenAnswered < total, `answered after ${result.sentWhenAnswered} of ${total} bytes`);
    assert.deepEqual(await readdir(server.directory), []);
  });

  test('a declared Content-Length far above the limit is refused before the body is read', async () => {
    const result = await postRaw(server.url, Buffer.alloc(6 * MiB));
    assert.equal(result.status, 400);
    assert.equal(result.body.error.code, 'file_too_large');
    assert.deepEqual(await readdir(server.directory), []);
  });

  test('a raw client that sends all of 2× the limit, then reads: 400 and a connection still usable', async () => {
    const { port } = new URL(server.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    const received: Buffer[] = [];
    let socketError: Error | null = null;
    socket.on('data', (piece) => received.push(piece));
    socket.on('error', (error) => (socketError = error));
    const body = Buffer.concat([
      Buffer.from(filePartHeader('file', 'big.glb')),
      randomBytes(2 * MiB),
      Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
    ]);
    socket.write(
      `POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\n` +
        `Content-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body);
    await waitFor(async () => Buffer.concat(received).includes('}}'));
    const first = Buffer.concat(received).toString();
    assert.match(first, /^HTTP\/1\.1 400 /);
    assert.match(first, /"code":"file_too_large"/);
    assert.doesNotMatch(first, /connection: close/i);

    // The rest of the body was drained, so the same connection serves the next request.
    received.length = 0;
    const empty = `--${BOUNDARY}--\r\n`;
    socket.write(
      `POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\n` +
        `Content-Length: ${empty.length}\r\n\r\n${empty}`,
    );
    await waitFor(async () => Buffer.concat(received).includes('}}'));
    assert.match(Buffer.concat(received).toString(), /"code":"no_file"/);
    assert.equal(socketError, null);
    socket.destroy();
    assert.deepEqual(await readdir(server.directory), []);
  });

  test('a raw client that never stops sending reads the 400 first, then the server cuts it off', async () => {
    const { port } = new URL(server.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (piece) => received.push(piece));
    const ended = new Promise<string>((resolve) => {
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      socket.on('close', () => resolve('close'));
    });
    socket.write(
      `POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\n` +
        'Transfer-Encoding: chunked\r\n\r\n',
    );
    const header = filePartHeader('file', 'endless.glb');
    socket.write(`${Buffer.byteLength(header).toString(16)}\r\n${header}\r\n`);
    const chunk = Buffer.concat([Buffer.from(`${(256 * 1024).toString(16)}\r\n`), Buffer.alloc(256 * 1024), Buffer.from('\r\n')]);
    let sent = 0;
    const pump = (): void => {
      if (socket.destroyed || sent > 400 * MiB) return;
      sent += 256 * 1024;
      if (socket.write(chunk)) setImmediate(pump);
      else socket.once('drain', pump);
    };
    pump();
    const how = await ended;
    const text = Buffer.concat(received).toString();
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.match(text, /"code":"file_too_large"/);
    assert.ok(sent < 400 * MiB, `the server should have cut the connection (${how}) well before 400 MB`);
    assert.ok(sent > LIMITS.uploadDiscardBytes, 'the server should drain before cutting');
    await waitFor(async () => (await readdir(server.directory)).length === 0);
  });

  test('a client that disconnects mid-upload leaves no temp file and a healthy server', async () => {
    const outcomesBefore = server.outcomes.length;
    const request = http.request(server.url, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': String(900 * 1024) },
    });
    request.on('error', () => undefined); // we are the ones who break it
    request.write(filePartHeader('file', 'model.glb'));
    request.write(randomBytes(400 * 1024));
    // The temp file exists while the upload is in flight…
    await waitFor(async () => (await readdir(server.directory)).length === 1);
    request.destroy();
    // …and is gone once the server notices the abort.
    await waitFor(async () => (await readdir(server.directory)).length === 0);
    await waitFor(async () => server.outcomes.length > outcomesBefore);
    const outcome = server.outcomes.at(-1);
    assert.ok(outcome instanceof RenderbayError);
    assert.equal(outcome.code, 'invalid_request');
    assert.match(outcome.message, /aborted/);

    const data = randomBytes(64 * 1024);
    const { status, body } = await postForm(server.url, fileForm(data));
    assert.equal(status, 201);
    assert.equal(body.data.file.sha256, sha256(data));
    await rm(body.data.file.path);
  });
});
