/**
 * The Grok 3D document's jobs over Renderbay: a shipped example (`ex_<slug>`, src/examples/)
 * is a finished job at once — `status: "complete"`, `progress: 100`, its preview JPEG, GLB and
 * USDZ — and any other job id is a generation of the generation service (text → image → 3D →
 * USDZ through the configured providers), reported in the document's words. The generation
 * service owns every rule (providers, credits, stages, retention); this module only translates.
 */
import { stat } from 'node:fs/promises';
import type { AppContext } from '../../context.js';
import { RenderbayError } from '../../errors.js';
import { ensureExampleAssets } from '../../examples/example-assets.js';
import { findExample, listExamples, type ExampleModel } from '../../examples/examples.js';
import { generationAsset, getGeneration, startGeneration, type GenerationItem } from '../../generation/generation-service.js';

/** The document's example ids look like `ex_mars-habitat`. */
const EXAMPLE_PREFIX = 'ex_';
export const ASSET_TYPES = ['image', 'glb', 'usdz'] as const;
export type GrokAssetType = (typeof ASSET_TYPES)[number];

/** The document's error messages; its clients may compare them. */
export const GROK_MESSAGES = {
  noPrompt: 'No prompt provided',
  jobNotFound: 'Job not found',
  invalidAssetType: 'Invalid asset type',
  assetNotFound: 'Asset not found',
} as const;

export interface GrokJobStatus {
  job_id: string;
  status: GenerationItem['status'];
  stage: GenerationItem['stage'];
  progress: number;
  created_at: string;
  prompt: string | null;
  error: string | null;
}

const jobNotFound = () => new RenderbayError('job_not_found', GROK_MESSAGES.jobNotFound, 404);

function exampleOf(jobId: string): ExampleModel | null {
  return jobId.startsWith(EXAMPLE_PREFIX) ? findExample(jobId.slice(EXAMPLE_PREFIX.length)) : null;
}

/** `GET /api/examples`; `assetBase` is the surface's path prefix (image_url is a path, as in the document). */
export function grokExamples(assetBase: string) {
  return {
    examples: listExamples().map((example) => {
      const jobId = `${EXAMPLE_PREFIX}${example.id}`;
      return { job_id: jobId, name: example.name, description: example.description, image_url: `${assetBase}/api/asset/${jobId}?asset_type=image` };
    }),
  };
}

/** `POST /api/generate { prompt }` → `{ job_id, status: "queued" }`. */
export function grokGenerate(context: AppContext, accountId: string, body: unknown) {
  const prompt = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as { prompt?: unknown }).prompt : undefined;
  if (typeof prompt !== 'string' || prompt.trim() === '') throw new RenderbayError('invalid_request', GROK_MESSAGES.noPrompt, 400);
  const generation = startGeneration(context, accountId, { prompt });
  return { job_id: generation.id, status: generation.status };
}

/** A generation of this account, or the document's 404 (unknown ids and other accounts' alike). */
function generationOf(context: AppContext, accountId: string, jobId: string): GenerationItem {
  try {
    return getGeneration(context, accountId, jobId);
  } catch (error) {
    if (error instanceof RenderbayError && error.status === 404) throw jobNotFound();
    throw error;
  }
}

/** `GET /api/status/{job_id}`. */
export async function grokStatus(context: AppContext, accountId: string, jobId: string): Promise<GrokJobStatus> {
  const example = exampleOf(jobId);
  if (example) {
    const made = await stat(example.glbPath);
    return { job_id: jobId, status: 'complete', stage: 'complete', progress: 100, created_at: made.mtime.toISOString(), prompt: null, error: null };
  }
  const generation = generationOf(context, accountId, jobId);
  return {
    job_id: generation.id,
    status: generation.status,
    stage: generation.stage,
    progress: generation.progress,
    created_at: generation.createdAt,
    prompt: generation.prompt,
    error: generation.error,
  };
}

const EXAMPLE_TYPES: Record<GrokAssetType, string> = { image: 'image/jpeg', glb: 'model/gltf-binary', usdz: 'model/vnd.usdz+zip' };

/** `GET /api/asset/{job_id}?asset_type=…`: the file to send, or the document's 400/404. */
export async function grokAsset(context: AppContext, accountId: string, jobId: string, assetType: unknown): Promise<{ path: string; contentType: string; downloadName: string }> {
  if (!(ASSET_TYPES as readonly unknown[]).includes(assetType)) throw new RenderbayError('invalid_asset_type', GROK_MESSAGES.invalidAssetType, 400);
  const type = assetType as GrokAssetType;
  const downloadName = `${jobId}.${type === 'image' ? 'jpg' : type}`;
  const example = exampleOf(jobId);
  if (example) {
    if (type !== 'glb') await ensureExampleAssets();
    const path = type === 'image' ? example.previewJpegPath : type === 'glb' ? example.glbPath : example.usdzPath;
    return { path, contentType: EXAMPLE_TYPES[type], downloadName };
  }
  generationOf(context, accountId, jobId);
  const asset = generationAsset(context, accountId, jobId, type);
  if (asset === null) throw new RenderbayError('asset_not_found', GROK_MESSAGES.assetNotFound, 404);
  return { ...asset, downloadName };
}
