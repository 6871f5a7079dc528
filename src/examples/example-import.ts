/**
 * The portal's examples gallery over the shipped example set (examples.ts): each example with
 * the model it became in this account once imported, and importing one — the same path as any
 * upload (ingest, validation, the free preview render), titled after the example and tagged
 * "example". Importing twice answers the model already there (the store is content-addressed).
 * The build-time preview JPEG (example-assets.ts, where built) is served as is.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { importFetchedModel } from '../models/model-import.js';
import { checkHash, updateModel, type CreatedModel } from '../models/model-service.js';
import { findExample, listExamples, type ExampleModel } from './examples.js';

export interface ExampleListing {
  id: string;
  name: string;
  description: string;
  license: string;
  /** Whether the build made its preview JPEG (GET /portal/api/examples/:id/preview.jpg). */
  hasPreview: boolean;
  /** The account's model made from this example, once imported. */
  modelId: string | null;
}

const digests = new Map<string, Promise<string>>();

/** SHA-256 of an example's GLB (read once per process: the files are small and never change). */
function exampleSha256(example: ExampleModel): Promise<string> {
  let digest = digests.get(example.id);
  if (!digest) digests.set(example.id, (digest = readFile(example.glbPath).then((bytes) => createHash('sha256').update(bytes).digest('hex'))));
  return digest;
}

const exists = (file: string) => stat(file).then(() => true, () => false);

export async function listExampleModels(context: AppContext, accountId: string): Promise<ExampleListing[]> {
  return Promise.all(
    listExamples().map(async (example) => ({
      id: example.id,
      name: example.name,
      description: example.description,
      license: example.license,
      hasPreview: await exists(example.previewJpegPath),
      modelId: checkHash(context, accountId, { sha256: await exampleSha256(example) }).modelId ?? null,
    })),
  );
}

export function requireExample(id: unknown): ExampleModel {
  const example = typeof id === 'string' ? findExample(id) : null;
  if (!example) throw new RenderbayError('example_not_found', `No example ${String(id)}; examples: ${listExamples().map((item) => item.id).join(', ')}`, 404);
  return example;
}

export async function importExample(context: AppContext, accountId: string, id: unknown): Promise<CreatedModel> {
  const example = requireExample(id);
  const created = await importFetchedModel(context, accountId, undefined, async () => {
    // Ingest takes its file over: it gets a copy in the store's temp directory.
    const copy = path.join(context.store.tempDirectory, `example-${randomBytes(6).toString('hex')}.glb`);
    await copyFile(example.glbPath, copy);
    return { path: copy, sha256: await exampleSha256(example), size: (await stat(copy)).size, originalName: path.basename(example.glbPath) };
  });
  if (!created.duplicate) updateModel(context, accountId, created.modelId, { title: example.name, tags: ['example'] });
  return created;
}
