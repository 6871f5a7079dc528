/**
 * The examples gallery's service: the shipped example models (catalog.ts), each with the model
 * it became in this account once imported, and importing one — the same path as any upload
 * (ingest, validation, the free preview render), titled and tagged "example". Importing twice
 * answers the model already there (the store is content-addressed).
 */
import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { importFetchedModel } from '../models/model-import.js';
import { checkHash, updateModel, type CreatedModel } from '../models/model-service.js';
import { EXAMPLE_MODELS, type ExampleModel } from './catalog.js';

export interface ExampleListing extends Omit<ExampleModel, 'file'> {
  /** The account's model made from this example, once imported. */
  modelId: string | null;
}

const digests = new Map<string, string>();

/** SHA-256 of an example's file (read once per process: the files are tiny and never change). */
async function exampleSha256(example: ExampleModel): Promise<string> {
  let digest = digests.get(example.name);
  if (!digest) digests.set(example.name, (digest = createHash('sha256').update(await readFile(example.file)).digest('hex')));
  return digest;
}

export async function listExamples(context: AppContext, accountId: string): Promise<ExampleListing[]> {
  return Promise.all(
    EXAMPLE_MODELS.map(async ({ file: _file, ...example }) => ({
      ...example,
      modelId: checkHash(context, accountId, { sha256: await exampleSha256(EXAMPLE_MODELS.find((item) => item.name === example.name)!) }).modelId ?? null,
    })),
  );
}

export async function importExample(context: AppContext, accountId: string, name: unknown): Promise<CreatedModel> {
  const example = EXAMPLE_MODELS.find((item) => item.name === name);
  if (!example) throw new RenderbayError('example_not_found', `No example ${String(name)}; examples: ${EXAMPLE_MODELS.map((item) => item.name).join(', ')}`, 404);
  const created = await importFetchedModel(context, accountId, undefined, async () => {
    // Ingest takes its file over: it gets a copy in the store's temp directory.
    const copy = path.join(context.store.tempDirectory, `example-${randomBytes(6).toString('hex')}.glb`);
    await copyFile(example.file, copy);
    return { path: copy, sha256: await exampleSha256(example), size: (await readFile(copy)).length, originalName: path.basename(example.file) };
  });
  if (!created.duplicate) updateModel(context, accountId, created.modelId, { title: example.title, tags: ['example'] });
  return created;
}
