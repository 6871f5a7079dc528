/**
 * The example models shipped in the repository (all CC0-1.0, see fixtures/examples/LICENSE.txt):
 * what the portal's first-run gallery offers a new user before they upload anything.
 */
import { fileURLToPath } from 'node:url';

export interface ExampleModel {
  /** Stable name, used in URLs. */
  name: string;
  title: string;
  description: string;
  /** The GLB in the repository. */
  file: string;
  license: string;
  credit: string;
}

const repositoryFile = (relative: string) => fileURLToPath(new URL(`../../../${relative}`, import.meta.url));

export const EXAMPLE_MODELS: readonly ExampleModel[] = [
  {
    name: 'suzanne',
    title: 'Suzanne',
    description: 'Blender’s monkey head with a textured metallic-roughness material.',
    file: repositoryFile('fixtures/sample/Suzanne.glb'),
    license: 'CC0-1.0',
    credit: 'Norbert Nopper, Khronos glTF Sample Models',
  },
  {
    name: 'animated-morph-cube',
    title: 'Animated morph cube',
    description: 'A cube whose morph targets animate: try the animation setting.',
    file: repositoryFile('fixtures/examples/AnimatedMorphCube.glb'),
    license: 'CC0-1.0',
    credit: 'Khronos glTF Sample Models',
  },
  {
    name: 'texture-transform-test',
    title: 'Texture transform test',
    description: 'KHR_texture_transform test panels: offset, rotation and scale of textures.',
    file: repositoryFile('fixtures/examples/TextureTransformTest.glb'),
    license: 'CC0-1.0',
    credit: 'Khronos glTF Sample Models',
  },
];
