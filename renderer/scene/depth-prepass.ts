/**
 * Depth pre-pass: before the scene is shaded, the model's opaque surfaces are drawn once
 * with a material that writes depth and no colour, so the main pass runs its fragment
 * shader (PBR with five textures and environment lookups, the cost of a frame on
 * llvmpipe) only for the surface that ends up visible instead of for every surface that
 * a later-drawn one covers. A share frame of DamagedHelmet (golden hour, 1920×1080 with
 * 2× supersampling) measured 103 instead of 109 ms of CPU for the scene, the pre-pass
 * included (medians of 20 interleaved frames on a loaded machine).
 *
 * The image is unchanged. The pre-pass and the main pass are different programs, and
 * nothing guarantees that two programs place a vertex identically to the last bit, so the
 * pre-pass depth is pushed back by a polygon offset: each visible surface's own main-pass
 * fragment always passes the LEQUAL test, while a surface behind it fails as it would
 * have when the visible one was drawn (the main pass still writes depth, and the
 * transparent shadow planes drawn afterwards see the main pass's depth on the model).
 *
 * Only plain opaque materials take part: anything blended, alpha-tested, dithered,
 * displaced, offset or drawn without depth is hidden from the pre-pass and shaded as
 * before. The stand-in keeps each material's face culling (`side`); skinning, morph
 * targets and instancing come from the mesh, as for any material.
 */
import * as THREE from 'three';
import type { DepthPass } from '../frame-pipeline.js';

/** Pushes the pre-pass depth behind the main pass's (slope factor, constant units). */
const POLYGON_OFFSET = { factor: 1, units: 4 } as const;

export class DepthPrepass implements DepthPass {
  /** One stand-in per face culling mode (the only property of a material the depth depends on here). */
  private readonly standIns = new Map<THREE.Side, THREE.MeshBasicMaterial>();
  private readonly swapped: [THREE.Mesh, THREE.Material | THREE.Material[]][] = [];
  private readonly hidden: THREE.Object3D[] = [];

  /** @param root the model's group, a direct child of the scene (drawn on its own, without lights or background) */
  constructor(private readonly root: THREE.Object3D) {}

  render(renderer: THREE.WebGLRenderer, camera: THREE.Camera): void {
    if (!this.root.visible) return;
    this.root.traverseVisible((object) => {
      const mesh = object as THREE.Mesh;
      if (!mesh.isMesh) {
        if ((object as THREE.Points).isPoints || (object as THREE.Line).isLine || (object as THREE.Sprite).isSprite) this.hide(object);
        return;
      }
      const materials = Array.isArray(mesh.material) ? mesh.material : [mesh.material];
      if (!materials.every(writesPlainOpaqueDepth)) return this.hide(mesh);
      this.swapped.push([mesh, mesh.material]);
      mesh.material = Array.isArray(mesh.material) ? mesh.material.map((material) => this.standIn(material.side)) : this.standIn(mesh.material.side);
    });
    try {
      renderer.render(this.root, camera);
    } finally {
      for (const [mesh, material] of this.swapped) mesh.material = material;
      for (const object of this.hidden) object.visible = true;
      this.swapped.length = 0;
      this.hidden.length = 0;
    }
  }

  dispose(): void {
    for (const material of this.standIns.values()) material.dispose();
  }

  private hide(object: THREE.Object3D): void {
    object.visible = false;
    this.hidden.push(object);
  }

  private standIn(side: THREE.Side): THREE.MeshBasicMaterial {
    let material = this.standIns.get(side);
    if (!material) {
      material = new THREE.MeshBasicMaterial({
        colorWrite: false,
        side,
        polygonOffset: true,
        polygonOffsetFactor: POLYGON_OFFSET.factor,
        polygonOffsetUnits: POLYGON_OFFSET.units,
        toneMapped: false,
      });
      this.standIns.set(side, material);
    }
    return material;
  }
}

/** Whether a material's depth is exactly its geometry's: opaque, no cut-outs, no offset, the default depth test. */
function writesPlainOpaqueDepth(material: THREE.Material): boolean {
  const standard = material as THREE.MeshStandardMaterial;
  return (
    material.visible &&
    !material.transparent &&
    material.alphaTest === 0 &&
    !material.alphaHash &&
    !material.alphaToCoverage &&
    material.depthTest &&
    material.depthWrite &&
    material.depthFunc === THREE.LessEqualDepth &&
    material.colorWrite &&
    !material.polygonOffset &&
    !(material.clippingPlanes?.length) &&
    !(standard.wireframe ?? false) &&
    !standard.displacementMap &&
    // An opaque material blends only if it names a blending other than the normal one.
    (material.blending === THREE.NormalBlending || material.blending === THREE.NoBlending)
  );
}
