/**
 * Skinned meshes, posed on the CPU.
 *
 * three 0.162's skinning shader reads the bone texture with texelFetch/textureSize,
 * which exist only in WebGL 2: on headless-gl (WebGL 1) a SkinnedMesh fails to compile
 * and disappears. Each SkinnedMesh is therefore replaced by a plain Mesh whose positions
 * and normals are skinned once, here, with the skeleton in its current (rest) pose —
 * exactly what the GPU would have drawn.
 */
import * as THREE from 'three';

export function bakeSkinnedMeshes(root: THREE.Object3D): number {
  root.updateMatrixWorld(true);
  const skinned: THREE.SkinnedMesh[] = [];
  root.traverse((object) => {
    if ((object as THREE.SkinnedMesh).isSkinnedMesh) skinned.push(object as THREE.SkinnedMesh);
  });
  for (const mesh of skinned) {
    const posed = new THREE.Mesh(skinGeometry(mesh), mesh.material);
    posed.name = mesh.name;
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
  }
  root.updateMatrixWorld(true);
  return skinned.length;
}

function skinGeometry(mesh: THREE.SkinnedMesh): THREE.BufferGeometry {
  mesh.skeleton.update();
  const geometry = mesh.geometry.clone();
  const position = geometry.getAttribute('position') as THREE.BufferAttribute;
  const normal = geometry.getAttribute('normal') as THREE.BufferAttribute | undefined;
  const skinIndex = geometry.getAttribute('skinIndex') as THREE.BufferAttribute;
  const skinWeight = geometry.getAttribute('skinWeight') as THREE.BufferAttribute;
  const bones = mesh.skeleton.boneMatrices;
  const boneMatrix = new THREE.Matrix4();
  const blended = new THREE.Matrix4();
  const normalMatrix = new THREE.Matrix3();
  const vertex = new THREE.Vector3();
  const direction = new THREE.Vector3();
  const positions = new Float32Array(position.count * 3);
  const normals = normal ? new Float32Array(normal.count * 3) : null;

  for (let index = 0; index < position.count; index++) {
    // skinMatrix = bindMatrixInverse · Σ wᵢ·boneMatrixᵢ · bindMatrix, as three's shader computes it.
    const elements = blended.elements.fill(0);
    for (let influence = 0; influence < 4; influence++) {
      const weight = skinWeight.getComponent(index, influence);
      if (weight === 0) continue;
      boneMatrix.fromArray(bones, skinIndex.getComponent(index, influence) * 16);
      for (let element = 0; element < 16; element++) elements[element] += weight * boneMatrix.elements[element];
    }
    const skinMatrix = blended.premultiply(mesh.bindMatrixInverse).multiply(mesh.bindMatrix);
    vertex.fromBufferAttribute(position, index).applyMatrix4(skinMatrix);
    positions.set([vertex.x, vertex.y, vertex.z], index * 3);
    if (normal && normals) {
      normalMatrix.getNormalMatrix(skinMatrix);
      direction.fromBufferAttribute(normal, index).applyMatrix3(normalMatrix).normalize();
      normals.set([direction.x, direction.y, direction.z], index * 3);
    }
  }
  geometry.setAttribute('position', new THREE.BufferAttribute(positions, 3));
  if (normals) geometry.setAttribute('normal', new THREE.BufferAttribute(normals, 3));
  geometry.deleteAttribute('skinIndex');
  geometry.deleteAttribute('skinWeight');
  geometry.computeBoundingBox();
  geometry.computeBoundingSphere();
  return geometry;
}
