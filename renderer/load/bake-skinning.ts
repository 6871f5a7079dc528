/**
 * Skinned meshes, posed on the CPU.
 *
 * three 0.162's skinning shader reads the bone texture with texelFetch/textureSize,
 * which exist only in WebGL 2: on headless-gl (WebGL 1) a SkinnedMesh fails to compile
 * and disappears. Each SkinnedMesh is therefore replaced by a plain Mesh whose positions
 * and normals are skinned here, on the CPU, exactly as the GPU would have drawn them:
 * once at load in the current (rest) pose, and again by `CpuSkin.update()` whenever an
 * animation moves the bones (the skeleton stays in the scene graph for the mixer).
 *
 * A mesh that is both skinned and morphed is morphed on the CPU too, before skinning (the
 * order three's shader uses); its posed geometry then carries no morph attributes, so the
 * shader cannot apply the morph a second time on top of the skinned positions.
 */
import * as THREE from 'three';

/** One skinned mesh, posed on the CPU into the buffers of its plain-mesh replacement. */
export class CpuSkin {
  private readonly skinIndex: THREE.BufferAttribute;
  private readonly skinWeight: THREE.BufferAttribute;
  private readonly restPositions: THREE.BufferAttribute;
  private readonly restNormals: THREE.BufferAttribute | null;
  private readonly morphPositions: THREE.BufferAttribute[];
  private readonly morphNormals: THREE.BufferAttribute[];
  private readonly morphRelative: boolean;
  private readonly positions: THREE.BufferAttribute;
  private readonly normals: THREE.BufferAttribute | null;
  // Scratch space reused on every update: posing a frame allocates nothing.
  private readonly boneMatrix = new THREE.Matrix4();
  private readonly skinMatrix = new THREE.Matrix4();
  private readonly bindMatrixInverse = new THREE.Matrix4();
  private readonly normalMatrix = new THREE.Matrix3();
  private readonly vertex = new THREE.Vector3();
  private readonly direction = new THREE.Vector3();

  /** @param source the SkinnedMesh as loaded; `mesh` takes its place in the scene graph. */
  constructor(
    private readonly source: THREE.SkinnedMesh,
    readonly mesh: THREE.Mesh,
  ) {
    const geometry = source.geometry;
    this.skinIndex = geometry.getAttribute('skinIndex') as THREE.BufferAttribute;
    this.skinWeight = geometry.getAttribute('skinWeight') as THREE.BufferAttribute;
    this.restPositions = geometry.getAttribute('position') as THREE.BufferAttribute;
    this.restNormals = (geometry.getAttribute('normal') as THREE.BufferAttribute | undefined) ?? null;
    this.morphPositions = (geometry.morphAttributes.position as THREE.BufferAttribute[] | undefined) ?? [];
    this.morphNormals = (geometry.morphAttributes.normal as THREE.BufferAttribute[] | undefined) ?? [];
    this.morphRelative = geometry.morphTargetsRelative;
    this.positions = mesh.geometry.getAttribute('position') as THREE.BufferAttribute;
    this.normals = (mesh.geometry.getAttribute('normal') as THREE.BufferAttribute | undefined) ?? null;
  }

  /**
   * Re-skins the mesh for the bones' current world matrices (call after
   * `updateMatrixWorld`): positions and normals are rewritten in place and flagged for
   * upload, and the geometry's bounds follow.
   */
  update(): void {
    const { source, mesh } = this;
    source.skeleton.update();
    // 'attached' (what GLTFLoader binds) means the bind matrix follows the mesh's world
    // matrix, as SkinnedMesh.updateMatrixWorld would keep it if it were still in the scene.
    if (source.bindMode === THREE.AttachedBindMode) this.bindMatrixInverse.copy(mesh.matrixWorld).invert();
    else this.bindMatrixInverse.copy(source.bindMatrixInverse);
    const bones = source.skeleton.boneMatrices;
    const influences = mesh.morphTargetInfluences ?? [];
    const { vertex, direction, boneMatrix, normalMatrix } = this;

    for (let index = 0; index < this.positions.count; index++) {
      // skinMatrix = bindMatrixInverse · Σ wᵢ·boneMatrixᵢ · bindMatrix, as three's shader computes it.
      const elements = this.skinMatrix.elements.fill(0);
      for (let influence = 0; influence < 4; influence++) {
        const weight = this.skinWeight.getComponent(index, influence);
        if (weight === 0) continue;
        boneMatrix.fromArray(bones, this.skinIndex.getComponent(index, influence) * 16);
        for (let element = 0; element < 16; element++) elements[element] += weight * boneMatrix.elements[element];
      }
      const skinMatrix = this.skinMatrix.premultiply(this.bindMatrixInverse).multiply(source.bindMatrix);

      this.morphed(vertex, this.restPositions, this.morphPositions, influences, index).applyMatrix4(skinMatrix);
      this.positions.setXYZ(index, vertex.x, vertex.y, vertex.z);
      if (this.restNormals && this.normals) {
        normalMatrix.getNormalMatrix(skinMatrix);
        this.morphed(direction, this.restNormals, this.morphNormals, influences, index).applyMatrix3(normalMatrix).normalize();
        this.normals.setXYZ(index, direction.x, direction.y, direction.z);
      }
    }
    this.positions.needsUpdate = true;
    if (this.normals) this.normals.needsUpdate = true;
    mesh.geometry.computeBoundingBox(); // reuses the existing box and sphere objects
    mesh.geometry.computeBoundingSphere();
  }

  /** The rest attribute at `index` with the morph targets applied at their current weights. */
  private morphed(
    into: THREE.Vector3,
    rest: THREE.BufferAttribute,
    targets: THREE.BufferAttribute[],
    influences: number[],
    index: number,
  ): THREE.Vector3 {
    into.fromBufferAttribute(rest, index);
    const restX = into.x;
    const restY = into.y;
    const restZ = into.z;
    for (let target = 0; target < targets.length; target++) {
      const weight = influences[target] ?? 0;
      if (weight === 0) continue;
      const morph = targets[target];
      // glTF targets are relative (deltas); absolute targets blend from the rest value.
      const base = this.morphRelative ? 0 : 1;
      into.x += weight * (morph.getX(index) - base * restX);
      into.y += weight * (morph.getY(index) - base * restY);
      into.z += weight * (morph.getZ(index) - base * restZ);
    }
    return into;
  }
}

/**
 * Replaces every SkinnedMesh under `root` by a plain Mesh skinned on the CPU in the
 * current pose, and returns the skins so an animation can re-pose them.
 */
export function bakeSkinnedMeshes(root: THREE.Object3D): CpuSkin[] {
  root.updateMatrixWorld(true);
  const skinned: THREE.SkinnedMesh[] = [];
  root.traverse((object) => {
    if ((object as THREE.SkinnedMesh).isSkinnedMesh) skinned.push(object as THREE.SkinnedMesh);
  });
  const skins = skinned.map((mesh) => {
    const posed = new THREE.Mesh(posedGeometry(mesh.geometry), mesh.material);
    posed.name = mesh.name;
    // Animation tracks of unnamed nodes bind by uuid: keep it so they still find this mesh.
    posed.uuid = mesh.uuid;
    posed.position.copy(mesh.position);
    posed.quaternion.copy(mesh.quaternion);
    posed.scale.copy(mesh.scale);
    posed.morphTargetInfluences = mesh.morphTargetInfluences;
    posed.morphTargetDictionary = mesh.morphTargetDictionary;
    posed.userData = { ...mesh.userData, bakedFromSkin: true };
    const parent = mesh.parent!;
    parent.add(posed);
    parent.remove(mesh);
    for (const child of [...mesh.children]) posed.add(child);
    return new CpuSkin(mesh, posed);
  });
  root.updateMatrixWorld(true);
  for (const skin of skins) skin.update();
  return skins;
}

/** The geometry the plain mesh draws: its own position and normal buffers, no skin or morph attributes. */
function posedGeometry(source: THREE.BufferGeometry): THREE.BufferGeometry {
  const geometry = source.clone();
  geometry.setAttribute('position', new THREE.BufferAttribute(new Float32Array(source.getAttribute('position').count * 3), 3));
  const normal = source.getAttribute('normal');
  if (normal) geometry.setAttribute('normal', new THREE.BufferAttribute(new Float32Array(normal.count * 3), 3));
  geometry.deleteAttribute('skinIndex');
  geometry.deleteAttribute('skinWeight');
  geometry.morphAttributes = {};
  return geometry;
}
