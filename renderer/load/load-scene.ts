/**
 * Parses a normalised GLB into a three.js scene graph ready to render in WebGL 1:
 * textures decoded by sharp, sRGB decoded in the shader, skinned meshes posed on the CPU
 * at their rest pose, morphed meshes at their default weights, animation clips kept.
 */
import * as THREE from 'three';
import { GLTFLoader, type GLTF } from 'three/examples/jsm/loaders/GLTFLoader.js';
import { RenderbayError } from '../../src/errors.js';
import { bakeSkinnedMeshes, type CpuSkin } from './bake-skinning.js';
import { SharpTexturePlugin } from './sharp-texture-plugin.js';
import { decodeSrgbTexturesInShader } from './srgb-textures.js';

export interface LoadedModel {
  root: THREE.Object3D;
  /** The glTF's clips in file order, named as GLTFLoader names them (see src/models/model-animations.ts). */
  animations: THREE.AnimationClip[];
  /** The skinned meshes, posed on the CPU; an animation re-poses them each frame. */
  skins: CpuSkin[];
}

export async function loadScene(glb: Uint8Array): Promise<LoadedModel> {
  const loader = new GLTFLoader();
  // Our texture plugin must run before three's WebP/AVIF plugins, which probe browser
  // image support and would fail in Node.
  (loader as unknown as { pluginCallbacks: ((parser: unknown) => unknown)[] }).pluginCallbacks.unshift(
    (parser) => new SharpTexturePlugin(parser as never),
  );
  let gltf: GLTF;
  try {
    const buffer = glb.buffer.slice(glb.byteOffset, glb.byteOffset + glb.byteLength) as ArrayBuffer;
    gltf = await loader.parseAsync(buffer, '');
  } catch (error) {
    if (error instanceof RenderbayError) throw error;
    throw new RenderbayError('invalid_model', `The model could not be loaded: ${(error as Error)?.message ?? error}`);
  }
  const root = gltf.scene ?? gltf.scenes?.[0];
  if (!root) throw new RenderbayError('invalid_model', 'The model has no scene');

  const skins = bakeSkinnedMeshes(root);
  let meshCount = 0;
  root.traverse((object) => {
    const mesh = object as THREE.Mesh;
    if (!mesh.isMesh) return;
    meshCount++;
    const materials = Array.isArray(mesh.material) ? mesh.material : [mesh.material];
    for (const material of materials) decodeSrgbTexturesInShader(material);
  });
  if (meshCount === 0) throw new RenderbayError('invalid_model', 'The model has no meshes to render (the scene contains no geometry)');
  root.updateMatrixWorld(true);
  return { root, animations: gltf.animations ?? [], skins };
}
