/**
 * OpenAI Images API (text → image, image → image) and xAI's image generation, which
 * follows the same request and answer shapes.
 *
 * From the public documentation:
 * - OpenAI, https://platform.openai.com/docs/api-reference/images/create — `POST /v1/images/generations`
 *   `{ model, prompt, n, size }`; GPT image models always answer `{ created, data: [{ b64_json }] }`.
 * - OpenAI, https://platform.openai.com/docs/api-reference/images/createEdit — `POST /v1/images/edits`,
 *   multipart/form-data with `image` (PNG/JPEG/WebP file), `prompt`, `model`; same answer.
 * - OpenAI errors, https://platform.openai.com/docs/guides/error-codes — `{ error: { message, type, code } }`;
 *   429 for rate limits.
 * - xAI, https://docs.x.ai/docs/guides/image-generations — `POST https://api.x.ai/v1/images/generations`
 *   `{ model: "grok-2-image", prompt, n, response_format: "b64_json" | "url" }`, answer `{ data: [{ b64_json | url, revised_prompt }] }`.
 * Keys: `OPENAI_API_KEY` / `XAI_API_KEY` as `Authorization: Bearer`.
 */
import { LIMITS } from '../../limits.js';
import { providerDownload, providerFailure, providerJson, type ProviderEndpoint } from '../provider-http.js';
import type { ImageToImageProvider, ProviderCall, RestyleInstruction, SourceImage, TextToImageProvider } from '../provider-types.js';

interface ImagesAnswer {
  data?: { b64_json?: unknown; url?: unknown }[];
}

/** The first image of an Images API answer: inline base64, or a URL fetched through the guard. */
async function firstImage(endpoint: ProviderEndpoint, answer: unknown, call: ProviderCall): Promise<Buffer> {
  const image = (answer as ImagesAnswer | null)?.data?.[0];
  if (typeof image?.b64_json === 'string' && image.b64_json !== '') {
    const bytes = Buffer.from(image.b64_json, 'base64');
    if (bytes.length > LIMITS.maxGenerationImageBytes) throw providerFailure(endpoint, 'returned an image larger than the limit');
    return bytes;
  }
  if (typeof image?.url === 'string') {
    const download = await providerDownload(endpoint, image.url, call, { maxBytes: LIMITS.maxGenerationImageBytes });
    return download.body ?? Buffer.alloc(0);
  }
  throw providerFailure(endpoint, 'answered without an image (no data[0].b64_json or url)');
}

/** `POST …/images/generations` with the model and the service's own extra fields. */
function imagesGenerations(endpoint: ProviderEndpoint, fields: Record<string, unknown>): TextToImageProvider {
  return {
    name: endpoint.name,
    async generateImage(prompt, call) {
      const answer = await providerJson(endpoint, { method: 'POST', path: '/images/generations', json: { ...fields, prompt, n: 1 } }, call);
      return firstImage(endpoint, answer, call);
    },
  };
}

/** GPT image models answer base64 always (they take no response_format). */
export const openAiTextToImage = (endpoint: ProviderEndpoint, model = 'gpt-image-1') => imagesGenerations(endpoint, { model, size: '1024x1024' });

/** xAI answers a URL unless asked for base64. */
export const xaiTextToImage = (endpoint: ProviderEndpoint, model = 'grok-2-image') => imagesGenerations(endpoint, { model, response_format: 'b64_json' });

/** What each restyle kind asks the model for; the user's prompt and style follow. */
const RESTYLE_INSTRUCTIONS: Record<RestyleInstruction['kind'], string> = {
  refine: 'Turn this architectural view into a photorealistic render. Keep the geometry, proportions and camera exactly.',
  enhance: 'Enhance this image: sharper detail, cleaner lighting, realistic materials. Change nothing in its content or composition.',
  staging: 'Virtually stage this space: add tasteful furniture and decor that fit it. Keep walls, windows, floor and camera unchanged.',
};

export function restylePrompt(instruction: RestyleInstruction): string {
  return [
    RESTYLE_INSTRUCTIONS[instruction.kind],
    instruction.architecturalStyle ? `Architectural style: ${instruction.architecturalStyle}.` : '',
    instruction.prompt ?? '',
  ]
    .filter((part) => part !== '')
    .join(' ');
}

export function openAiImageToImage(endpoint: ProviderEndpoint, model = 'gpt-image-1'): ImageToImageProvider {
  return {
    name: endpoint.name,
    async restyleImage(image: SourceImage, instruction, call) {
      const form = new FormData();
      form.append('model', model);
      form.append('prompt', restylePrompt(instruction));
      form.append('image', new Blob([new Uint8Array(image.bytes)], { type: image.contentType }), image.contentType === 'image/png' ? 'image.png' : 'image.jpg');
      const answer = await providerJson(endpoint, { method: 'POST', path: '/images/edits', form }, call);
      return firstImage(endpoint, answer, call);
    },
  };
}
