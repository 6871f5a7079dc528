/**
 * A full-screen triangle for post-processing passes.
 *
 * three's FullScreenQuad shares one geometry across every instance in the process:
 * disposing any quad disposes it for every renderer that ever drew it, including ones
 * whose GL context is already destroyed (which throws "Invalid GL context"). Each quad
 * here owns its geometry.
 */
import * as THREE from 'three';

const camera = new THREE.OrthographicCamera(-1, 1, 1, -1, 0, 1);

export class FullScreenQuad {
  private readonly mesh: THREE.Mesh<THREE.BufferGeometry, THREE.Material>;

  constructor(material: THREE.Material | null = null) {
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute('position', new THREE.Float32BufferAttribute([-1, 3, 0, -1, -1, 0, 3, -1, 0], 3));
    geometry.setAttribute('uv', new THREE.Float32BufferAttribute([0, 2, 0, 0, 2, 0], 2));
    this.mesh = new THREE.Mesh(geometry, material ?? undefined);
  }

  get material(): THREE.Material {
    return this.mesh.material;
  }

  set material(material: THREE.Material) {
    this.mesh.material = material;
  }

  render(renderer: THREE.WebGLRenderer): void {
    renderer.render(this.mesh, camera);
  }

  dispose(): void {
    this.mesh.geometry.dispose();
  }
}
