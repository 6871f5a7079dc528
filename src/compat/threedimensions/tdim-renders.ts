/**
 * 3Dimensions renders over Renderbay. `POST /api/v1/renders` takes one of two inputs:
 * - `model_id` (a Renderbay model; our addition): a real render by the studio — a still
 *   (`kind: "render"`, the default) or a turntable (`kind: "video"`) — with the lighting preset,
 *   the scene type's framing and the resolution asked for; no provider involved.
 * - `image_url` / `image_base64`: a restyle by the image-to-image (or, for `video`,
 *   image-to-video) provider through the generation service, with `prompt` and
 *   `architectural_style`; `kind: "render"` (the document's default, a viewport capture made
 *   photoreal) is restyled as `refine`.
 * It blocks until the work is finished, up to LIMITS.compatRenderWaitSeconds, waiting on
 * events (no render worker is held), then answers the render as it stands. Credits are the
 * services' (debited on creation, refunded on failure): `credits_used` is what a finished
 * render cost, 0 until then and for a failed one.
 */
import { getAccount } from '../../accounts/accounts.js';
import type { AppContext } from '../../context.js';
import { RenderbayError } from '../../errors.js';
import { getRestyle, startRestyle, whenRestyleFinished, type RestyleItem, type RestyleKind } from '../../generation/generation-service.js';
import { LIMITS } from '../../limits.js';
import { whenRenderFinished } from '../../renders/render-settled.js';
import { createRender, FINISHED_STATUSES, getRender, type RenderItem } from '../../renders/render-service.js';
import { stillRoute } from '../../renders/render-stills.js';
import { signedUrl, signedUrlExpiry } from '../../sharing/signed-urls.js';
import { LIGHTING_PRESETS } from '../../settings/lighting-settings.js';
import { isObject } from '../glossi/glossi-models.js';
import { sourceImage } from './tdim-images.js';
import { architecturalStyleOf, kindOf, lightingOf, modelRenderSettings, resolutionOf, SCENE_TYPES, sceneTypeOf } from './tdim-styles.js';

export interface ThreeDimensionsRender {
  id: string;
  status: 'processing' | 'done' | 'failed';
  output_image_url: string | null;
  credits_used: number;
  /** Renderbay additions: the turntable of a `kind: "video"` model render, and why a render failed. */
  output_video_url?: string | null;
  error?: string | null;
}

/** Where a finished restyle's output is served, signed (no key: the URL is handed to plugins and pages). */
export const RESTYLE_FILES_ROUTE = '/files/renders';

/** What the surface needs to build URLs: the server's public base and the surface's path prefix. */
export interface SurfaceUrls {
  serverBase: string;
  prefix: string;
}

const signed = (context: AppContext, urls: SurfaceUrls, path: string) => signedUrl(context.db, urls.serverBase, path, signedUrlExpiry(undefined));

function fromModelRender(context: AppContext, urls: SurfaceUrls, render: RenderItem): ThreeDimensionsRender {
  const done = render.status === 'done';
  const failed = !done && FINISHED_STATUSES.includes(render.status);
  const settings = render.renderSettings;
  const still = settings.output === 'stills' ? settings.stills?.[0] : undefined;
  const stillName = typeof still === 'string' ? still : still?.name;
  const video = settings.output !== 'stills' && settings.output !== 'dataset';
  return {
    id: render.id,
    status: done ? 'done' : failed ? 'failed' : 'processing',
    output_image_url: !done ? null : stillName !== undefined ? signed(context, urls, `/v1${stillRoute(render.id, stillName)}`) : signed(context, urls, `/v1/renders/${render.id}/poster?quality=full`),
    credits_used: done ? render.credits : 0,
    ...(video ? { output_video_url: done ? signed(context, urls, `/v1/renders/${render.id}/video`) : null } : {}),
    error: failed ? (render.errorMessage ?? 'The render failed') : null,
  };
}

function fromRestyle(context: AppContext, urls: SurfaceUrls, accountId: string, restyle: RestyleItem): ThreeDimensionsRender {
  const done = restyle.status === 'completed';
  const url = done && restyle.output ? signed(context, urls, `${urls.prefix}${RESTYLE_FILES_ROUTE}/${accountId}/${restyle.id}`) : null;
  return {
    id: restyle.id,
    status: done ? 'done' : restyle.status === 'failed' ? 'failed' : 'processing',
    output_image_url: restyle.output?.contentType.startsWith('image/') ? url : null,
    credits_used: done ? restyle.creditsUsed : 0,
    ...(restyle.kind === 'video' ? { output_video_url: restyle.output?.contentType.startsWith('video/') ? url : null } : {}),
    error: restyle.status === 'failed' ? (restyle.error ?? 'The restyle failed') : null,
  };
}

const answer = (context: AppContext, accountId: string, render: ThreeDimensionsRender) => ({ render, credits: getAccount(context.db, accountId).credits });

/** A restyle of this account, or null (404 from the service). */
function restyleOrNull(context: AppContext, accountId: string, id: string): RestyleItem | null {
  try {
    return getRestyle(context, accountId, id);
  } catch (error) {
    if (error instanceof RenderbayError && error.status === 404) return null;
    throw error;
  }
}

/** `GET /api/v1/renders/{id}`: a render or restyle this account owns. */
export function fetchRender(context: AppContext, accountId: string, id: string | undefined, urls: SurfaceUrls) {
  const restyle = id ? restyleOrNull(context, accountId, id) : null;
  if (restyle) return answer(context, accountId, fromRestyle(context, urls, accountId, restyle));
  try {
    return answer(context, accountId, fromModelRender(context, urls, getRender(context, accountId, id)));
  } catch (error) {
    if (error instanceof RenderbayError && error.status === 404) throw new RenderbayError('render_not_found', 'Render not found', 404);
    throw error;
  }
}

/** `POST /api/v1/renders`; `gone` aborts the wait when the client hangs up (the work goes on). */
export async function createThreeDimensionsRender(context: AppContext, accountId: string, body: unknown, urls: SurfaceUrls, gone: AbortSignal) {
  if (!isObject(body)) throw new RenderbayError('invalid_request', 'The body must be a JSON object', 400);
  const kind = kindOf(body.kind);
  const sceneType = sceneTypeOf(body.scene_type);
  const lighting = lightingOf(body.lighting);
  const waitMs = LIMITS.compatRenderWaitSeconds * 1000;
  if (body.model_id !== undefined) {
    if (kind !== 'render' && kind !== 'video') throw new RenderbayError('invalid_request', `kind "${kind}" takes an image (image_url or image_base64); a model_id renders as "render" (a still) or "video" (a turntable)`, 400);
    const settings = modelRenderSettings(kind, sceneType, resolutionOf(body.resolution), lighting);
    const created = await createRender(context, accountId, { modelId: body.model_id, renderSettings: settings });
    const render = await whenRenderFinished(context, accountId, created.id, waitMs, gone);
    return answer(context, accountId, fromModelRender(context, urls, render));
  }
  resolutionOf(body.resolution); // checked for both inputs; a provider's output has its own size
  const image = await sourceImage(context, { image_url: body.image_url, image_base64: body.image_base64 }, `${urls.serverBase}${urls.prefix}`);
  const words = [typeof body.prompt === 'string' ? body.prompt.trim() : '', body.lighting !== undefined ? `lighting: ${LIGHTING_PRESETS[lighting].label}` : '', body.scene_type !== undefined ? `${SCENE_TYPES[sceneType].label.toLowerCase()} scene` : ''];
  const prompt = words.filter(Boolean).join('; ');
  const architecturalStyle = architecturalStyleOf(body.architectural_style);
  const restyleKind: RestyleKind = kind === 'render' ? 'refine' : kind;
  const started = startRestyle(context, accountId, { kind: restyleKind, image, ...(prompt ? { prompt } : {}), ...(architecturalStyle ? { architecturalStyle } : {}) });
  const restyle = await whenRestyleFinished(context, accountId, started.id, waitMs, gone);
  return answer(context, accountId, fromRestyle(context, urls, accountId, restyle));
}

/** The output file of a finished restyle, for its signed URL. */
export function restyleOutput(context: AppContext, accountId: string | undefined, id: string | undefined): { path: string; contentType: string } {
  const restyle = accountId && id ? restyleOrNull(context, accountId, id) : null;
  if (!restyle?.output) throw new RenderbayError('file_not_found', 'File not found', 404);
  return restyle.output;
}
