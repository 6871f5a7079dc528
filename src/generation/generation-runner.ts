/**
 * The work of one generation, stage by stage. Each stage's provider output is checked
 * like any upload before the next stage starts: the image must decode (kept as JPEG), the
 * GLB goes through model ingest and must pass it, the USDZ is exported by us, and the
 * model's preview must render. Progress: generating_image 10–30, generating_3d 30–70
 * (following the provider's own percentage), converting_usdz 75–95, complete 100.
 */
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { createModelFromFile, findModelRow } from '../models/model-service.js';
import { modelUsdz } from '../models/model-usdz.js';
import { requireProvider } from '../providers/provider-registry.js';
import { whenRenderFinished } from '../renders/render-settled.js';
import { hashFile } from '../storage/file-store.js';
import { storeAndReference } from '../storage/file-references.js';
import { toJpeg } from './generation-image.js';
import { advanceGeneration, failGeneration } from './generation-service.js';
import { failureMessage, runProviderWork } from './provider-job.js';

/** Runs a started generation to `complete` or `error`; never rejects. */
export async function runGeneration(context: AppContext, accountId: string, id: string, input: { prompt: string | null; image: Buffer | null }): Promise<void> {
  try {
    await runProviderWork(context, 'generations', id, async (call) => {
      const providerOptions = { allowPrivate: context.config.allowPrivateUrls };
      advanceGeneration(context, id, { status: 'processing', stage: 'generating_image', progress: 10 });
      const source = input.image ?? (await requireProvider('text-to-image', providerOptions).generateImage(input.prompt!, call));
      const jpeg = await toJpeg(source, input.image ? 'The image given' : 'The image the text-to-image provider returned');
      const imageFile = path.join(call.workDirectory, 'image.jpg');
      await writeFile(imageFile, jpeg);
      await storeAndReference(context, [{ path: imageFile }], ([stored]) => advanceGeneration(context, id, { imageKey: stored.key, stage: 'generating_3d', progress: 30 }));

      const glb = await requireProvider('image-to-3d', providerOptions).generateModel(
        { bytes: jpeg, contentType: 'image/jpeg' },
        { ...call, onProgress: (fraction) => advanceGeneration(context, id, { progress: 30 + 40 * fraction }) },
      );
      const created = await createModelFromFile(context, accountId, {
        path: glb,
        sha256: await hashFile(glb),
        size: (await stat(glb)).size,
        originalName: `${modelName(input.prompt)}.glb`,
        onlyGltf: true,
      });
      advanceGeneration(context, id, { modelId: created.modelId, stage: 'converting_usdz', progress: 75 });
      assertModelUsable(context, accountId, created.modelId);

      await modelUsdz(context, accountId, created.modelId);
      advanceGeneration(context, id, { progress: 85 });
      // The model is a normal Renderbay model only once its preview rendered (the integrity check).
      // Bounded by the task's deadline: the signal aborts the wait.
      await whenRenderFinished(context, accountId, created.renderId, LIMITS.providerTaskTimeoutMs, call.signal);
      assertModelUsable(context, accountId, created.modelId, { previewDone: true });
      advanceGeneration(context, id, { status: 'complete', stage: 'complete', progress: 100 });
    });
  } catch (error) {
    failGeneration(context, id, failureMessage(error));
  }
}

/** A GLB that failed ingest (or its preview) fails the generation with the reason. */
function assertModelUsable(context: AppContext, accountId: string, modelId: string, options: { previewDone?: boolean } = {}): void {
  const model = findModelRow(context, accountId, modelId);
  if (model.status === 'invalid') {
    throw new RenderbayError('invalid_model', `The GLB from the image-to-3D provider is not a usable model: ${model.invalid_reason ?? 'it failed validation'}`, 502);
  }
  if (options.previewDone && model.status !== 'valid') throw new RenderbayError('provider_timeout', 'The generated model’s preview did not finish in time', 504);
}

/** A file name from the prompt: its first words, letters and digits only. */
function modelName(prompt: string | null): string {
  const words = (prompt ?? '').toLowerCase().match(/[a-z0-9]+/g) ?? [];
  return words.slice(0, 6).join('-').slice(0, 60) || 'generated';
}
