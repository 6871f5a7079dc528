/**
 * The fuzz inputs: input `index` of a run seeded `seed` is one corpus file (a fixture from
 * fixtures/generated/) put through one to three mutations chosen by a PRNG seeded from
 * (seed, index) alone, so any input can be rebuilt and replayed on its own.
 *
 * ```ts
 * const corpus = await loadCorpus();
 * const input = mutantAt(corpus, 42, 7);   // { index: 7, name: 'textured-cube.glb', bytes, recipe: 'textured-cube.glb | glb-length=0' }
 * ```
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { repositoryRoot } from '../fixtures/repository-root.js';
import { GLB_MUTATORS } from './mutate-glb.js';
import { BYTE_MUTATORS, type Mutator } from './mutate-bytes.js';
import { mutateJsonText } from './mutate-json.js';
import { ZIP_MUTATORS } from './mutate-zip.js';
import { inputSeed, seededRng } from './rng.js';

export interface CorpusFile {
  name: string;
  bytes: Uint8Array;
}

export interface FuzzInput {
  index: number;
  /** The file name it is sent under: the corpus file's. */
  name: string;
  bytes: Uint8Array;
  /** The corpus file and the mutations, in order: enough to explain (and rebuild) the input. */
  recipe: string;
}

export const FIXTURES_DIRECTORY = path.join(repositoryRoot(import.meta.url), 'fixtures', 'generated');

/** Every model file among the generated fixtures, valid and hostile alike, in name order. */
export async function loadCorpus(directory = FIXTURES_DIRECTORY): Promise<CorpusFile[]> {
  const names = (await readdir(directory)).filter((name) => /\.(glb|gltf|zip)$/i.test(name)).sort();
  if (names.length === 0) throw new Error(`no .glb, .gltf or .zip fixtures in ${directory}: run node dist/scripts/make-fixtures.js`);
  return Promise.all(names.map(async (name) => ({ name, bytes: new Uint8Array(await readFile(path.join(directory, name))) })));
}

const GLTF_JSON_MUTATOR: Mutator = (input, rng) => {
  const mutated = mutateJsonText(new TextDecoder().decode(input), rng);
  return mutated && { bytes: new TextEncoder().encode(mutated.text), label: `json(${mutated.label})` };
};

/** The mutators that understand these bytes, weighted towards structure over blind bytes. */
function mutatorsFor(bytes: Uint8Array): readonly Mutator[] {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 4));
  if (head === 'glTF') return [...GLB_MUTATORS, ...GLB_MUTATORS, ...BYTE_MUTATORS];
  if (head === 'PK\u0003\u0004') return [...ZIP_MUTATORS, ...ZIP_MUTATORS, ...BYTE_MUTATORS];
  if (head.trimStart().startsWith('{')) return [GLTF_JSON_MUTATOR, GLTF_JSON_MUTATOR, GLTF_JSON_MUTATOR, ...BYTE_MUTATORS];
  return BYTE_MUTATORS;
}

export function mutantAt(corpus: readonly CorpusFile[], seed: number, index: number): FuzzInput {
  const rng = seededRng(inputSeed(seed, index));
  const source = rng.pick(corpus);
  let bytes = source.bytes;
  const steps: string[] = [];
  const wanted = rng.pick([1, 1, 1, 2, 2, 3]);
  for (let attempt = 0; steps.length < wanted && attempt < 10; attempt++) {
    const mutation = rng.pick(mutatorsFor(bytes))(bytes, rng);
    if (!mutation) continue;
    bytes = mutation.bytes;
    steps.push(mutation.label);
  }
  return { index, name: source.name, bytes, recipe: [source.name, ...steps].join(' | ') };
}
