/**
 * Renders a scene with every mesh's material replaced (the dataset's depth and albedo
 * passes), into a float target cleared to transparent black, then reads the target back.
 * The original materials are put back even if rendering throws.
 *
 * Usage:
 * ```ts
 * renderWithMaterials(renderer, scene, camera, target, floats, (material) => depthMaterialFor(material));
 * ```
 */
import * as THREE from 'three';

export function renderWithMaterials(
  renderer: THREE.WebGLRenderer,
  scene: THREE.Scene,
  camera: THREE.Camera,
  target: THREE.WebGLRenderTarget,
  /** Receives the target's RGBA floats, rows bottom-up. */
  floats: Float32Array,
  replacement: (material: THREE.Material) => THREE.Material,
): void {
  const swapped: [THREE.Mesh, THREE.Material | THREE.Material[]][] = [];
  scene.traverse((object) => {
    const mesh = object as THREE.Mesh;
    if (!mesh.isMesh) return;
    swapped.push([mesh, mesh.material]);
    mesh.material = Array.isArray(mesh.material) ? mesh.material.map(replacement) : replacement(mesh.material);
  });
  const background = scene.background;
  try {
    scene.background = null;
    renderer.autoClear = false;
    renderer.setClearColor(0x000000, 0);
    renderer.setRenderTarget(target);
    renderer.clear(true, true, false);
    renderer.render(scene, camera);
  } finally {
    scene.background = background;
    for (const [mesh, material] of swapped) mesh.material = material;
  }
  renderer.readRenderTargetPixels(target, 0, 0, target.width, target.height, floats);
}
