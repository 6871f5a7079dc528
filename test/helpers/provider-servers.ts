/**
 * Local stand-ins for the hosted generation services, on 127.0.0.1, answering as each
 * service's public API documentation describes (paths, headers, bodies, error shapes,
 * 429 with Retry-After) — written from those pages, not from Renderbay's adapters:
 * - OpenAI Images API (platform.openai.com/docs/api-reference/images): POST /v1/images/generations
 *   and /v1/images/edits (multipart) → { created, data: [{ b64_json }] }; errors { error: { message, type, code } }.
 * - xAI image generation (docs.x.ai/docs/guides/image-generations): the same path and answer.
 * - Meshy Image to 3D (docs.meshy.ai/api/image-to-3d): POST /openapi/v1/image-to-3d → { result };
 *   GET /openapi/v1/image-to-3d/:id → { status, progress, model_urls: { glb }, task_error: { message } };
 *   errors { message }.
 * - Runway (docs.dev.runwayml.com/api): POST /v1/image_to_video (X-Runway-Version required) → { id };
 *   GET /v1/tasks/:id → { status, progress, output: [url], failure }; errors { error }.
 * Each records the requests it got, and `script` says what the next task does.
 */
import { execFile } from 'node:child_process';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ffmpegPath } from '../../renderer/sinks/ffmpeg-path.js';
import sharp from 'sharp';

export const API_KEY = 'test-provider-key';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

/** What the next task does: succeed, fail at the provider, hand back a broken file, or a URL at a private address. */
export type TaskOutcome = 'succeed' | 'fail' | 'broken' | 'private';

export interface ProviderServer {
  url: string;
  requests: RecordedRequest[];
  script: {
    /** Answer this many of the next API calls with 429 and `Retry-After: retryAfter`. */
    rateLimited: number;
    retryAfter: string;
    outcome: TaskOutcome;
    /** GETs of a task answered "in progress" before it finishes. */
    pollsBeforeDone: number;
    /** Every API answer is sent this late (ms): a slow service. */
    delayMs: number;
  };
  close(): Promise<void>;
}

type Handler = (request: RecordedRequest, server: ProviderServer, response: ServerResponse) => void | Promise<void>;

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

async function startServer(handle: Handler, errorBody: (message: string) => unknown): Promise<ProviderServer> {
  const server: ProviderServer = {
    url: '',
    requests: [],
    script: { rateLimited: 0, retryAfter: '1', outcome: 'succeed', pollsBeforeDone: 1, delayMs: 0 },
    close: async () => {},
  };
  const httpServer = http.createServer((message: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    message.on('data', (chunk: Buffer) => chunks.push(chunk));
    message.on('end', () => {
      const request = { method: message.method ?? 'GET', path: message.url ?? '/', headers: message.headers, body: Buffer.concat(chunks), at: Date.now() };
      server.requests.push(request);
      const isAsset = request.path.startsWith('/assets/');
      if (!isAsset && message.headers.authorization !== `Bearer ${API_KEY}`) return json(response, 401, errorBody('Incorrect API key provided'));
      if (!isAsset && server.script.rateLimited > 0) {
        server.script.rateLimited--;
        return json(response, 429, errorBody('Rate limit reached, retry later'), { 'retry-after': server.script.retryAfter });
      }
      const delay = isAsset ? 0 : server.script.delayMs;
      new Promise((resolve) => setTimeout(resolve, delay))
        .then(() => handle(request, server, response))
        .catch((error: Error) => json(response, 500, errorBody(error.message)));
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  server.url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  server.close = () => new Promise((resolve) => httpServer.close(() => resolve()));
  return server;
}

/** A 96×64 PNG, the "generated" picture: left half red, right half blue. */
export async function testPicture(): Promise<Buffer> {
  const width = 96;
  const height = 64;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels.set(x < width / 2 ? [220, 30, 30] : [30, 30, 220], (y * width + x) * 3);
  return sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** OpenAI (and xAI: same routes and shapes) Images API. */
export async function startOpenAiImages(): Promise<ProviderServer> {
  const picture = await testPicture();
  const openAiError = (message: string) => ({ error: { message, type: 'invalid_request_error', param: null, code: null } });
  return startServer((request, server, response) => {
    if (request.method === 'POST' && request.path === '/v1/images/generations') {
      const body = JSON.parse(request.body.toString('utf8')) as { prompt?: string };
      if (!body.prompt) return json(response, 400, openAiError("Missing required parameter: 'prompt'."));
      if (server.script.outcome === 'fail') return json(response, 400, openAiError('Your request was rejected as a result of our safety system.'));
      return json(response, 200, { created: Math.floor(Date.now() / 1000), data: [{ b64_json: picture.toString('base64'), revised_prompt: body.prompt }] });
    }
    if (request.method === 'POST' && request.path === '/v1/images/edits') {
      const type = String(request.headers['content-type']);
      const text = request.body.toString('latin1');
      if (!type.startsWith('multipart/form-data') || !text.includes('name="image"') || !text.includes('name="prompt"')) {
        return json(response, 400, openAiError("Missing required parameter: 'image'."));
      }
      if (server.script.outcome === 'fail') return json(response, 400, openAiError('Invalid image file or mode for image 1.'));
      return json(response, 200, { created: Math.floor(Date.now() / 1000), data: [{ b64_json: picture.toString('base64') }] });
    }
    json(response, 404, openAiError(`Invalid URL (${request.method} ${request.path})`));
  }, openAiError);
}

/** Meshy Image to 3D; a finished task's GLB is served from /assets/ on the same server. */
export async function startMeshy(glbFile = 'fixtures/sample/Suzanne.glb'): Promise<ProviderServer> {
  const glb = await readFile(glbFile);
  const tasks = new Map<string, { outcome: TaskOutcome; polls: number }>();
  const meshyError = (message: string) => ({ message });
  return startServer((request, server, response) => {
    if (request.method === 'POST' && request.path === '/openapi/v1/image-to-3d') {
      const body = JSON.parse(request.body.toString('utf8')) as { image_url?: string };
      if (!body.image_url?.startsWith('data:image/')) return json(response, 400, meshyError('Invalid image_url'));
      const id = `0193bfc5-${String(tasks.size + 1).padStart(4, '0')}`;
      tasks.set(id, { outcome: server.script.outcome, polls: 0 });
      return json(response, 202, { result: id });
    }
    const taskMatch = /^\/openapi\/v1\/image-to-3d\/([^/]+)$/.exec(request.path);
    if (request.method === 'GET' && taskMatch) {
      const task = tasks.get(taskMatch[1]);
      if (!task) return json(response, 404, meshyError('Task not found'));
      task.polls++;
      const base = { id: taskMatch[1], created_at: Date.now(), thumbnail_url: '', texture_urls: [] };
      if (task.polls <= server.script.pollsBeforeDone) return json(response, 200, { ...base, status: 'IN_PROGRESS', progress: 50, model_urls: {} });
      if (task.outcome === 'fail') return json(response, 200, { ...base, status: 'FAILED', progress: 0, model_urls: {}, task_error: { message: 'The image does not show an object' } });
      const host = task.outcome === 'private' ? server.url.replace('127.0.0.1', '127.0.0.2') : server.url;
      const file = task.outcome === 'broken' ? 'broken.glb' : 'model.glb';
      return json(response, 200, { ...base, status: 'SUCCEEDED', progress: 100, model_urls: { glb: `${host}/assets/${file}`, fbx: '', usdz: '' }, task_error: { message: '' } });
    }
    if (request.method === 'GET' && request.path === '/assets/model.glb') {
      response.writeHead(200, { 'content-type': 'model/gltf-binary', 'content-length': glb.length });
      return void response.end(glb);
    }
    if (request.method === 'GET' && request.path === '/assets/broken.glb') {
      // A GLB cut off after its header and part of its JSON chunk.
      response.writeHead(200, { 'content-type': 'model/gltf-binary' });
      return void response.end(glb.subarray(0, 600));
    }
    json(response, 404, meshyError('Not found'));
  }, meshyError);
}

/** A real, tiny MP4 (half a second of grey), made with the ffmpeg the project ships. */
export async function testVideo(): Promise<Buffer> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'provider-video-'));
  try {
    const file = path.join(folder, 'clip.mp4');
    await promisify(execFile)(ffmpegPath, ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=gray:s=64x64:d=0.5', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', file]);
    return await readFile(file);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** Runway image to video; a finished task's MP4 is served from /assets/. */
export async function startRunway(): Promise<ProviderServer> {
  const video = await testVideo();
  const tasks = new Map<string, { outcome: TaskOutcome; polls: number }>();
  const runwayError = (message: string) => ({ error: message });
  return startServer((request, server, response) => {
    if (request.path.startsWith('/v1/') && request.headers['x-runway-version'] !== '2024-11-06') {
      return json(response, 400, runwayError('The X-Runway-Version header is required and must be 2024-11-06'));
    }
    if (request.method === 'POST' && request.path === '/v1/image_to_video') {
      const body = JSON.parse(request.body.toString('utf8')) as { promptImage?: string; model?: string; ratio?: string };
      if (!body.promptImage || !body.model || !body.ratio) return json(response, 400, runwayError('Validation of body failed'));
      const id = `17f20503-6c24-4c16-946b-35dbbce2${String(tasks.size + 1).padStart(4, '0')}`;
      tasks.set(id, { outcome: server.script.outcome, polls: 0 });
      return json(response, 200, { id });
    }
    const taskMatch = /^\/v1\/tasks\/([^/]+)$/.exec(request.path);
    if (request.method === 'GET' && taskMatch) {
      const task = tasks.get(taskMatch[1]);
      if (!task) return json(response, 404, runwayError('Task not found'));
      task.polls++;
      if (task.polls <= server.script.pollsBeforeDone) return json(response, 200, { id: taskMatch[1], status: 'RUNNING', createdAt: new Date().toISOString(), progress: 0.4 });
      if (task.outcome === 'fail') return json(response, 200, { id: taskMatch[1], status: 'FAILED', createdAt: new Date().toISOString(), failure: 'Input image was flagged by moderation', failureCode: 'SAFETY.INPUT.IMAGE' });
      const host = task.outcome === 'private' ? server.url.replace('127.0.0.1', '127.0.0.2') : server.url;
      return json(response, 200, { id: taskMatch[1], status: 'SUCCEEDED', createdAt: new Date().toISOString(), output: [`${host}/assets/${task.outcome === 'broken' ? 'broken.mp4' : 'video.mp4'}`] });
    }
    if (request.method === 'GET' && request.path === '/assets/video.mp4') {
      response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': video.length });
      return void response.end(video);
    }
    if (request.method === 'GET' && request.path === '/assets/broken.mp4') {
      response.writeHead(200, { 'content-type': 'text/html' });
      return void response.end('<html>not a video</html>');
    }
    json(response, 404, runwayError('Not found'));
  }, runwayError);
}

/** The environment that points each capability's adapter at these servers. */
export function providerEnvironment(servers: { images?: ProviderServer; xai?: ProviderServer; meshy?: ProviderServer; runway?: ProviderServer }): NodeJS.ProcessEnv {
  return {
    ...(servers.images
      ? { RENDERBAY_PROVIDER_TEXT_TO_IMAGE: 'openai', RENDERBAY_PROVIDER_IMAGE_TO_IMAGE: 'openai', OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: `${servers.images.url}/v1` }
      : {}),
    ...(servers.xai ? { RENDERBAY_PROVIDER_TEXT_TO_IMAGE: 'xai', XAI_API_KEY: API_KEY, XAI_BASE_URL: `${servers.xai.url}/v1` } : {}),
    ...(servers.meshy ? { RENDERBAY_PROVIDER_IMAGE_TO_3D: 'meshy', MESHY_API_KEY: API_KEY, MESHY_BASE_URL: servers.meshy.url } : {}),
    ...(servers.runway ? { RENDERBAY_PROVIDER_IMAGE_TO_VIDEO: 'runway', RUNWAYML_API_SECRET: API_KEY, RUNWAYML_BASE_URL: servers.runway.url } : {}),
  };
}
