/**
 * Puts any model on the ground at the origin and derives the one size that framing uses.
 *
 * The model is moved (never scaled) so that its world bounding box is centred on the
 * vertical axis and rests on y = 0. The framing radius is the radius of the box's
 * bounding sphere: it does not change as the camera orbits, so the model fills the same
 * share of the frame through the whole move and in every aspect ratio.
 */
import * as THREE from 'three';
import { RenderbayError } from '../../src/errors.js';

export interface Framing {
  /** Group holding the model, translated so it stands on the ground, centred. */
  placed: THREE.Group;
  /** Centre of the bounding sphere in world space (on the vertical axis). */
  centre: THREE.Vector3;
  /** Bounding-sphere radius in model units. */
  radius: number;
  /** World bounding box after placement. */
  box: THREE.Box3;
  /** Model size along x, y, z in model units. */
  size: THREE.Vector3;
  /** Translation applied to the model. */
  offset: THREE.Vector3;
  /**
   * World positions (x, y, z triples) the camera is fitted to: the model's vertices after
   * placement, or the corners of `bounds` when those were given (an animated model).
   */
  points: Float32Array;
  /**
   * How much farther than fitted to `points` the camera must be so that the whole model
   * fits (0 when `points` are all the vertices; see `silhouetteCandidates`).
   */
  slack: number;
}

/**
 * @param bounds the model's world bounding box when it is not the current pose's: an
 *   animated model is framed on the union of its poses (AnimationPlayer.boundsOverVideo).
 */
export function placeOnGround(model: THREE.Object3D, bounds?: THREE.Box3): Framing {
  model.updateMatrixWorld(true);
  const box = bounds?.clone() ?? new THREE.Box3().setFromObject(model, true);
  assertFramable(box);
  const size = box.getSize(new THREE.Vector3());
  const radius = size.length() / 2;
  if (!(radius > 0)) throw new RenderbayError('invalid_model', 'The model has zero size');
  const centre = box.getCenter(new THREE.Vector3());
  const offset = new THREE.Vector3(-centre.x, -box.min.y, -centre.z);
  const placed = new THREE.Group();
  placed.name = 'renderbay:model';
  placed.position.copy(offset);
  placed.add(model);
  placed.updateMatrixWorld(true);
  const placedBox = box.clone().translate(offset);
  const { points, slack } = bounds ? { points: boxCorners(placedBox), slack: 0 } : silhouetteCandidates(worldVertices(placed), placedBox);
  return { placed, centre: new THREE.Vector3(0, size.y / 2, 0), radius, box: placedBox, size, offset, points, slack };
}

/** Every vertex of the meshes, lines and points under `root`, in world space, posed (morph targets, skinning) as three draws them. */
export function worldVertices(root: THREE.Object3D): Float32Array {
  const meshes: THREE.Mesh[] = [];
  let count = 0;
  root.traverseVisible((object) => {
    const position = (object as THREE.Mesh).geometry?.getAttribute?.('position');
    if (!position) return;
    meshes.push(object as THREE.Mesh);
    count += position.count;
  });
  const points = new Float32Array(count * 3);
  const vertex = new THREE.Vector3();
  let offset = 0;
  for (const mesh of meshes) {
    const position = mesh.geometry.getAttribute('position');
    const posed = typeof mesh.getVertexPosition === 'function';
    for (let index = 0; index < position.count; index++) {
      if (posed) mesh.getVertexPosition(index, vertex);
      else vertex.fromBufferAttribute(position, index);
      vertex.applyMatrix4(mesh.matrixWorld);
      points[offset++] = vertex.x;
      points[offset++] = vertex.y;
      points[offset++] = vertex.z;
    }
  }
  return points;
}

/** Above this many vertices, framing fits a reduced set (fitting costs orbit samples × points). */
const MAX_FITTED_POINTS = 65_536;
/** Cells of the reduction: sectors around the vertical axis × bands of height. */
const SECTORS = 720;
const BANDS = 256;
/**
 * A kept point stands for the others of its cell to within the cell's size: 0.5° of
 * turn and 1/256 of the height, under 1 % of the model's extent; the camera keeps 1.5 %
 * farther to cover it.
 */
const REDUCED_SLACK = 0.015;

/**
 * The points that can make a silhouette's edge when the camera orbits the vertical axis:
 * in each cell (a sector of turn × a band of height) the one farthest from the axis, and
 * in each sector the highest and the lowest. A million vertices become at most a few
 * hundred thousand, usually far fewer, in one pass.
 */
export function silhouetteCandidates(points: Float32Array, box: THREE.Box3): { points: Float32Array; slack: number } {
  const count = points.length / 3;
  if (count <= MAX_FITTED_POINTS) return { points, slack: 0 };
  const centre = box.getCenter(new THREE.Vector3());
  const height = Math.max(box.max.y - box.min.y, Number.MIN_VALUE);
  const farthest = new Int32Array(SECTORS * BANDS).fill(-1);
  const farthestRadius = new Float64Array(SECTORS * BANDS);
  const highest = new Int32Array(SECTORS).fill(-1);
  const lowest = new Int32Array(SECTORS).fill(-1);
  for (let index = 0; index < count; index++) {
    const x = points[index * 3] - centre.x;
    const y = points[index * 3 + 1];
    const z = points[index * 3 + 2] - centre.z;
    const sector = Math.min(SECTORS - 1, Math.floor(((Math.atan2(x, z) + Math.PI) / (2 * Math.PI)) * SECTORS));
    const band = Math.min(BANDS - 1, Math.max(0, Math.floor(((y - box.min.y) / height) * BANDS)));
    const cell = sector * BANDS + band;
    const radius = x * x + z * z;
    if (farthest[cell] < 0 || radius > farthestRadius[cell]) {
      farthest[cell] = index;
      farthestRadius[cell] = radius;
    }
    if (highest[sector] < 0 || y > points[highest[sector] * 3 + 1]) highest[sector] = index;
    if (lowest[sector] < 0 || y < points[lowest[sector] * 3 + 1]) lowest[sector] = index;
  }
  const kept = [...new Set([...farthest, ...highest, ...lowest].filter((index) => index >= 0))];
  const reduced = new Float32Array(kept.length * 3);
  kept.forEach((index, position) => reduced.set(points.subarray(index * 3, index * 3 + 3), position * 3));
  return { points: reduced, slack: REDUCED_SLACK };
}

function boxCorners(box: THREE.Box3): Float32Array {
  const corners = new Float32Array(24);
  for (let bits = 0; bits < 8; bits++) {
    corners[bits * 3] = bits & 1 ? box.max.x : box.min.x;
    corners[bits * 3 + 1] = bits & 2 ? box.max.y : box.min.y;
    corners[bits * 3 + 2] = bits & 4 ? box.max.z : box.min.z;
  }
  return corners;
}

/**
 * A model's bounds can be framed: not empty, no NaN or infinite coordinate, and no extent
 * so large that sizes computed from it overflow (the sum of the coordinates stays finite).
 */
export function assertFramable(box: THREE.Box3): void {
  if (box.isEmpty() || !Number.isFinite(box.min.x + box.max.x + box.min.y + box.max.y + box.min.z + box.max.z)) {
    throw new RenderbayError('invalid_model', 'The model has no finite geometry to frame (empty or NaN positions)');
  }
}
