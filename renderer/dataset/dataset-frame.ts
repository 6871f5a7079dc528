/**
 * The dataset's world frame and camera model — one place for every number that poses,
 * intrinsics, depth and points must agree on.
 *
 * World: the model's bounding-box centre moved to the origin and the model scaled
 * uniformly so that every vertex lies within the unit sphere (one vertex on it), then
 * turned from glTF/three.js axes (Y up, front +Z) to Blender/NeRF-synthetic axes (Z up,
 * front −Y): (x, y, z) → (x, −z, y). Units are called metres (depth PNGs hold
 * millimetres), which makes the scene the size of the NeRF-synthetic scenes: it fits
 * the original NeRF code's fixed near/far (2, 6) and Instant-NGP's default scale.
 *
 * Cameras: pinhole, square pixels, vertical (= horizontal) field of view 32°, at distance
 * 4 from the origin looking at it, +Y of the image up. From 4 units away the unit sphere
 * fills 90% of the frame, so the whole model is in view from every direction.
 * Pixel (i, j) (column, row from the top-left) covers [i, i+1] × [j, j+1] with its centre
 * at (i + 0.5, j + 0.5); the principal point (w/2, h/2) is the image centre.
 */
import * as THREE from 'three';
import { RenderbayError } from '../../src/errors.js';
import { assertFramable } from '../scene/framing.js';
import type { SurfacePoints } from './surface-points.js';

export const CAMERA_DISTANCE = 4;
export const FOV_Y_DEGREES = 32;
/** Clip planes around the unit sphere (depths 3–5), with room to spare. */
const NEAR = 2.5;
const FAR = 5.5;

/** three.js world (Y up) → dataset world (Z up): (x, y, z) → (x, −z, y). A rotation. */
export const THREE_TO_DATASET = new THREE.Matrix4().set(1, 0, 0, 0, 0, 0, -1, 0, 0, 1, 0, 0, 0, 0, 0, 1);

/**
 * THREE_TO_DATASET applied to points, positions and normals alike: (x, y, z) → (x, −z, y).
 * Written out rather than multiplied through the matrix, which adds zero terms and so
 * turns −0 into +0 (the PLY would change).
 */
export function toDatasetAxes(points: SurfacePoints): SurfacePoints {
  const turn = (source: Float32Array) => {
    const turned = new Float32Array(source.length);
    for (let index = 0; index < source.length; index += 3) {
      turned[index] = source[index];
      turned[index + 1] = -source[index + 2];
      turned[index + 2] = source[index + 1];
    }
    return turned;
  };
  return { count: points.count, positions: turn(points.positions), normals: turn(points.normals), colours: points.colours };
}

export interface NormalisedModel {
  /** Group holding the model; its transform is the normalisation (three.js world = scale · p + offset). */
  group: THREE.Group;
  /** Uniform scale from model units to dataset units. */
  scale: number;
  /** Translation after scaling, in three.js axes (= −scale · centre). */
  offset: THREE.Vector3;
  /** Bounding-box centre of the model, model units, three.js axes. */
  centre: THREE.Vector3;
  /** Largest distance of a vertex from `centre`, in model units. */
  radius: number;
  /** Model → dataset world, the whole map: THREE_TO_DATASET · (scale · p + offset). */
  modelToWorld: THREE.Matrix4;
}

/**
 * Wraps the model in a group that centres it on the origin and scales it into the unit
 * sphere. Positions are read as rendered: node transforms, morph targets at their weights.
 */
export function normaliseModel(root: THREE.Object3D): NormalisedModel {
  root.updateMatrixWorld(true);
  const box = new THREE.Box3();
  forEachWorldVertex(root, (vertex) => box.expandByPoint(vertex));
  assertFramable(box);
  const centre = box.getCenter(new THREE.Vector3());
  let radiusSquared = 0;
  forEachWorldVertex(root, (vertex) => {
    radiusSquared = Math.max(radiusSquared, vertex.distanceToSquared(centre));
  });
  const radius = Math.sqrt(radiusSquared);
  if (!(radius > 0)) throw new RenderbayError('invalid_model', 'The model has zero size');

  const scale = 1 / radius;
  const offset = centre.clone().multiplyScalar(-scale);
  const group = new THREE.Group();
  group.name = 'renderbay:dataset-model';
  group.scale.setScalar(scale);
  group.position.copy(offset);
  group.add(root);
  group.updateMatrixWorld(true);
  const modelToWorld = THREE_TO_DATASET.clone().multiply(group.matrix);
  return { group, scale, offset, centre, radius, modelToWorld };
}

/**
 * Calls `visit` with every visible mesh that has positions, once per instance for
 * instanced meshes (EXT_mesh_gpu_instancing), with the matrix that places that copy in
 * the world and the instance's colour if it has one.
 */
export function forEachMeshInstance(
  root: THREE.Object3D,
  visit: (mesh: THREE.Mesh, matrixWorld: THREE.Matrix4, tint: THREE.Color | null) => void,
): void {
  root.traverseVisible((object) => {
    const mesh = object as THREE.Mesh;
    if (!mesh.isMesh || !mesh.geometry.getAttribute('position')) return;
    const instanced = mesh as THREE.Mesh as THREE.InstancedMesh;
    if (!instanced.isInstancedMesh) return visit(mesh, mesh.matrixWorld, null);
    const instance = new THREE.Matrix4();
    for (let index = 0; index < instanced.count; index++) {
      instanced.getMatrixAt(index, instance);
      const tint = instanced.instanceColor ? new THREE.Color() : null;
      if (tint) instanced.getColorAt(index, tint);
      visit(mesh, mesh.matrixWorld.clone().multiply(instance), tint);
    }
  });
}

/** Calls `visit` with every vertex of every visible mesh (and instance), in world space (the vector is reused). */
export function forEachWorldVertex(root: THREE.Object3D, visit: (vertex: THREE.Vector3) => void): void {
  const vertex = new THREE.Vector3();
  forEachMeshInstance(root, (mesh, matrixWorld) => {
    const position = mesh.geometry.getAttribute('position');
    for (let index = 0; index < position.count; index++) {
      mesh.getVertexPosition(index, vertex).applyMatrix4(matrixWorld);
      visit(vertex);
    }
  });
}

export interface Intrinsics {
  /** Focal lengths in pixels. */
  fx: number;
  fy: number;
  /** Principal point in pixels (image centre; pixel centres at half-integers). */
  cx: number;
  cy: number;
  width: number;
  height: number;
  /** Horizontal field of view in radians (camera_angle_x). */
  fovX: number;
}

export function intrinsics(width: number, height: number): Intrinsics {
  const halfFovY = THREE.MathUtils.degToRad(FOV_Y_DEGREES) / 2;
  const focal = height / 2 / Math.tan(halfFovY);
  return { fx: focal, fy: focal, cx: width / 2, cy: height / 2, width, height, fovX: 2 * Math.atan(width / 2 / focal) };
}

/** The dataset camera; its projection, computed here, is the same for every view. */
export function createDatasetCamera(width: number, height: number): THREE.PerspectiveCamera {
  return new THREE.PerspectiveCamera(FOV_Y_DEGREES, width / height, NEAR, FAR); // the constructor updates the projection matrix
}

/** Puts the camera at CAMERA_DISTANCE along `direction` (three.js axes), looking at the origin. */
export function placeDatasetCamera(camera: THREE.PerspectiveCamera, direction: THREE.Vector3): void {
  camera.position.copy(direction).normalize().multiplyScalar(CAMERA_DISTANCE);
  camera.up.set(0, 1, 0);
  camera.lookAt(0, 0, 0);
  camera.updateMatrixWorld(true);
}

/**
 * Camera-to-world in dataset axes, rows first: the camera looks down its −Z with +Y up
 * and +X right (OpenGL/Blender camera axes, what nerfstudio, NeRF and 3DGS loaders read).
 */
export function cameraToWorldRows(camera: THREE.Camera): number[][] {
  return matrixRows(THREE_TO_DATASET.clone().multiply(camera.matrixWorld));
}

/** A Matrix4 as four rows of four numbers. */
export function matrixRows(matrix: THREE.Matrix4): number[][] {
  const e = matrix.elements; // column-major
  return [0, 1, 2, 3].map((row) => [e[row], e[row + 4], e[row + 8], e[row + 12]]);
}
