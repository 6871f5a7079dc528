/**
 * The shipped examples: CC0 models committed under fixtures/examples/ (licences in
 * fixtures/examples/LICENSES.md), each with a preview JPEG rendered by our renderer and a
 * USDZ written by our exporter at build time (example-assets.ts). The Grok 3D surface
 * serves them as finished jobs; the portal shows them as its example set.
 *
 * ```ts
 * for (const example of listExamples()) console.log(example.id, example.glbPath, example.previewJpegPath);
 * ```
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ExampleModel {
  /** Stable slug, e.g. "suzanne"; never changes once shipped. */
  id: string;
  name: string;
  description: string;
  /** SPDX identifier of the model's licence (all CC0-1.0). */
  license: string;
  /** The committed GLB. */
  glbPath: string;
  /** Preview JPEG (768×768, three-quarter view), made by `ensureExampleAssets()`. */
  previewJpegPath: string;
  /** USDZ for AR Quick Look, made by `ensureExampleAssets()`. */
  usdzPath: string;
}

/** fixtures/examples/, seen from dist/src/examples/. */
export const EXAMPLES_DIRECTORY = fileURLToPath(new URL('../../../fixtures/examples/', import.meta.url));
/** Where the previews and USDZ files are generated (gitignored). */
export const EXAMPLES_GENERATED_DIRECTORY = path.join(EXAMPLES_DIRECTORY, 'generated');

const EXAMPLES: ReadonlyArray<Pick<ExampleModel, 'id' | 'name' | 'description'>> = [
  { id: 'suzanne', name: 'Suzanne', description: "Blender's monkey head with a painted base colour and metallic-roughness maps" },
  { id: 'animated-morph-cube', name: 'Animated Morph Cube', description: 'A cube whose faces swell and shrink through two animated morph targets' },
  { id: 'texture-transform-test', name: 'Texture Transform Test', description: 'Test panels for offset, rotation and scale of textures (KHR_texture_transform)' },
];

export function listExamples(): ExampleModel[] {
  return EXAMPLES.map((example) => ({
    ...example,
    license: 'CC0-1.0',
    glbPath: path.join(EXAMPLES_DIRECTORY, `${example.id}.glb`),
    previewJpegPath: path.join(EXAMPLES_GENERATED_DIRECTORY, `${example.id}.jpg`),
    usdzPath: path.join(EXAMPLES_GENERATED_DIRECTORY, `${example.id}.usdz`),
  }));
}

/** The example with this id, or null. */
export function findExample(id: string): ExampleModel | null {
  return listExamples().find((example) => example.id === id) ?? null;
}
