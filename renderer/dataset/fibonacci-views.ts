/**
 * Evenly spread view directions: a Fibonacci (golden-angle) spiral over the sphere or
 * over its upper half. Each direction is a unit vector from the model's centre towards a
 * camera, in three.js axes (Y up).
 *
 * Point i of n sits at height y = 1 − (i + ½)·2/n (sphere) or 1 − (i + ½)/n (hemisphere):
 * equal steps in height are equal steps in area on a sphere (Archimedes), and turning by
 * the golden angle between consecutive points keeps any two from lining up, so every
 * view covers about the same share of the sphere. No point lies on a pole (lookAt stays
 * well defined) and, on the hemisphere, none on or below the horizon.
 *
 * Usage:
 * ```ts
 * const directions = fibonacciDirections(100, 'hemisphere'); // 100 unit vectors, y > 0
 * ```
 */
import * as THREE from 'three';
import type { Coverage } from '../../src/settings/render-settings.js';

/** π·(3 − √5): the golden angle in radians (≈ 137.5°). */
export const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

export function fibonacciDirections(count: number, coverage: Coverage): THREE.Vector3[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`view count must be a whole number ≥ 1, got ${count}`);
  const span = coverage === 'sphere' ? 2 : 1;
  const directions: THREE.Vector3[] = [];
  for (let index = 0; index < count; index++) {
    const y = 1 - ((index + 0.5) * span) / count;
    const ring = Math.sqrt(Math.max(0, 1 - y * y));
    const azimuth = index * GOLDEN_ANGLE;
    // Azimuth 0 faces the model's front (+Z), as the turntable's start angle does.
    directions.push(new THREE.Vector3(ring * Math.sin(azimuth), y, ring * Math.cos(azimuth)));
  }
  return directions;
}
