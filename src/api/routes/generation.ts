/**
 * /v1/providers, /v1/generations: thin adapters over the provider registry and the
 * generation service (the Grok 3D and 3Dimensions surfaces and the MCP tools use the same).
 */
import path from 'node:path';
import { RenderbayError } from '../../errors.js';
import { sendFile } from '../../http/send-file.js';
import {
  generationAsset,
  getGeneration,
  getRestyle,
  startGeneration,
  startRestyle,
  whenGenerationFinished,
  type RestyleItem,
  type RestyleKind,
} from '../../generation/generation-service.js';
import { providerStatus } from '../../providers/provider-registry.js';
import type { Route } from '../http-app.js';
import { preferredWaitSeconds, waitedAnswer } from '../prefer-wait.js';

/** `{ prompt }` or `{ imageBase64 }` (or both: the image is used, the prompt names the model). */
function generationInput(body: unknown): { prompt?: string; image?: Buffer } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new RenderbayError('invalid_request', 'Send a JSON object { prompt } or { imageBase64 }');
  const { prompt, imageBase64, ...rest } = body as { prompt?: unknown; imageBase64?: unknown };
  if (Object.keys(rest).length > 0) throw new RenderbayError('invalid_request', `unknown field ${Object.keys(rest).join(', ')}`);
  if (imageBase64 !== undefined && typeof imageBase64 !== 'string') throw new RenderbayError('invalid_request', 'imageBase64 must be a base64 string');
  return { prompt: prompt as string | undefined, image: imageBase64 === undefined ? undefined : Buffer.from(imageBase64, 'base64') };
}

/** `{ kind, imageBase64, prompt?, architecturalStyle? }`. */
function restyleInput(body: unknown): { kind: RestyleKind; image: Buffer; prompt?: string; architecturalStyle?: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new RenderbayError('invalid_request', 'Send a JSON object { kind, imageBase64, prompt?, architecturalStyle? }');
  const { kind, imageBase64, prompt, architecturalStyle, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw new RenderbayError('invalid_request', `unknown field ${Object.keys(rest).join(', ')}`);
  if (typeof imageBase64 !== 'string') throw new RenderbayError('invalid_request', 'imageBase64 (the image, base64) is required');
  return { kind: kind as RestyleKind, image: Buffer.from(imageBase64, 'base64'), prompt: prompt as string | undefined, architecturalStyle: architecturalStyle as string | undefined };
}

/** A restyle as /v1 shows it: its output as a URL, never a server path. */
function restyleView(item: RestyleItem) {
  const { output, ...rest } = item;
  return { ...rest, output: output ? { contentType: output.contentType, url: `/v1/restyles/${item.id}/output` } : null };
}

export const generationRoutes: Route[] = [
  /** Each capability, the adapter chosen (or none), whether it is usable, the variables to set. Never a key. */
  { method: 'GET', path: '/providers', scope: 'read', handle: () => ({ data: providerStatus() }) },
  {
    method: 'POST',
    path: '/generations',
    scope: 'write',
    handle: async ({ request, response, json, caller, context }) => {
      const waitSeconds = preferredWaitSeconds(request.headers);
      const generation = startGeneration(context, caller.account.id, generationInput(await json()));
      if (waitSeconds === null) return { status: 201, data: generation };
      return waitedAnswer(
        response,
        waitSeconds,
        (timeoutMs, signal) => whenGenerationFinished(context, caller.account.id, generation.id, timeoutMs, signal),
        (current) => current.status === 'complete' || current.status === 'error',
      );
    },
  },
  { method: 'GET', path: '/generations/:id', scope: 'read', handle: ({ params, caller, context }) => ({ data: getGeneration(context, caller.account.id, params.id) }) },
  /** The generated (or given) image as JPEG; the model is at /v1/models/:modelId (its /file and /usdz). */
  {
    method: 'GET',
    path: '/generations/:id/image',
    scope: 'read',
    handle: async ({ request, response, params, caller, context }) => {
      const image = generationAsset(context, caller.account.id, params.id, 'image');
      if (!image) throw new RenderbayError('asset_not_ready', 'The image is not generated yet', 404);
      await sendFile(request, response, image.path, { contentType: image.contentType, etag: path.basename(image.path), immutable: true }); // a store path ends in its SHA-256
    },
  },
  {
    method: 'POST',
    path: '/restyles',
    scope: 'write',
    handle: async ({ json, caller, context }) => ({ status: 201, data: restyleView(startRestyle(context, caller.account.id, restyleInput(await json()))) }),
  },
  { method: 'GET', path: '/restyles/:id', scope: 'read', handle: ({ params, caller, context }) => ({ data: restyleView(getRestyle(context, caller.account.id, params.id)) }) },
  {
    method: 'GET',
    path: '/restyles/:id/output',
    scope: 'read',
    handle: async ({ request, response, params, caller, context }) => {
      const { output } = getRestyle(context, caller.account.id, params.id);
      if (!output) throw new RenderbayError('asset_not_ready', 'The restyle has no output (yet)', 404);
      await sendFile(request, response, output.path, { contentType: output.contentType, etag: path.basename(output.path), immutable: true });
    },
  },
];
