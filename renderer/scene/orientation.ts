/**
 * The model's orientation from the settings (tiltX, panX, rollZ), applied before the
 * model is placed on the ground, framed and its shadow baked, so the turned model stands
 * on the floor, centred and fully framed like any other.
 */
import * as THREE from 'three';
import type { RenderPlan } from '../../src/render/render-plan.js';

export type ModelOrientation = RenderPlan['model'];

/**
 * Wraps `model` in a group rotated by roll about Z (the model's own front axis), then
 * tilt about X (forward/back), then pan about the vertical Y. Pan comes last so it is
 * always a turn on the floor, whatever the tilt: three's 'YXZ' Euler order is exactly
 * R = Ry(pan) · Rx(tilt) · Rz(roll).
 */
export function orientModel(model: THREE.Object3D, orientation: ModelOrientation): THREE.Group {
  const oriented = new THREE.Group();
  oriented.name = 'renderbay:orientation';
  const radians = THREE.MathUtils.degToRad;
  oriented.rotation.set(radians(orientation.tiltXDegrees), radians(orientation.panXDegrees), radians(orientation.rollZDegrees), 'YXZ');
  oriented.add(model);
  oriented.updateMatrixWorld(true);
  return oriented;
}
