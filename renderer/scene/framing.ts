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
  return { placed, centre: new THREE.Vector3(0, size.y / 2, 0), radius, box: placedBox, size, offset };
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
