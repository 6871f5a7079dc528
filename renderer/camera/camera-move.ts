/**
 * Every camera effect as a pose for one frame: where the camera is on its orbit, how far
 * it is (as a multiple of the fitted distance) and how large the model is. The orbit
 * placement (renderer/camera/orbit.ts) turns a pose into a camera; nothing else in the
 * renderer knows about effects.
 *
 * rotateY (startAngleDegrees), zoom and easing apply to every effect. The orbits
 * (turntable, showcase, zoom-orbit) start at rotateY; the arrivals (hero-spin, reveal)
 * end there, on the model's front by default.
 */
import type { CameraMove } from '../../src/render/render-plan.js';
import type { OrbitPose } from './orbit.js';
import { endToEndProgress, loopingProgress, videoTime } from './progress.js';
import { rampedProgress } from './speed-ramp.js';

/** The orbit pose (distanceMultiplier includes zoom) plus the model's scale. */
export interface CameraPose extends OrbitPose {
  /** Uniform scale of the model about its base on the floor (1 = as loaded). */
  modelScale: number;
}

/**
 * hero-spin with easing accelerates from rest over this share of the video (capped by
 * what the deceleration leaves): long enough to avoid a jump-start, short enough that it
 * still reads as a fast spin.
 */
export const HERO_SPIN_RAMP_IN = 0.1;

export function cameraPose(move: CameraMove, index: number, frameCount: number): CameraPose {
  const pose = { azimuthDegrees: move.startAngleDegrees, distanceMultiplier: move.zoom, elevationDegrees: move.elevationDegrees, modelScale: 1 };
  const progress = endToEndProgress(index, frameCount, move.easing);
  switch (move.effect) {
    case 'turntable':
      return { ...pose, azimuthDegrees: move.startAngleDegrees + move.sweepDegrees * loopingProgress(index, frameCount, move.easing) };
    case 'hero-spin':
      return { ...pose, azimuthDegrees: heroSpinAzimuth(move, videoTime(index, frameCount)) };
    case 'showcase':
      // One full swing, right then left, so the last frame is back at the start angle;
      // eased, it also leaves and returns at rest.
      return { ...pose, azimuthDegrees: move.startAngleDegrees + move.amplitudeDegrees * Math.sin(2 * Math.PI * progress) };
    case 'zoom-orbit':
      return {
        ...pose,
        azimuthDegrees: move.startAngleDegrees + move.sweepDegrees * progress,
        distanceMultiplier: move.zoom * (move.zoomStart + (move.zoomEnd - move.zoomStart) * progress),
      };
    case 'reveal':
      // Like hero-spin, a reveal lands on the start angle (the front): the model finishes
      // growing as the camera arrives at its hero view, whatever the sweep.
      return {
        ...pose,
        azimuthDegrees: move.startAngleDegrees - move.sweepDegrees * (1 - progress),
        modelScale: move.scaleFrom + (1 - move.scaleFrom) * progress,
      };
  }
}

/**
 * hero-spin settles on the start angle (the front, turned by rotateY) after travelling
 * `sweepDegrees`: it begins a sweep earlier, spins at constant speed and decelerates to
 * rest over the last `easeOutRatio` of the video. Ending on the start angle is what
 * makes it "decelerate to face the front" for every sweep, including the default 540°
 * (which, measured from the start angle, would otherwise end facing the back).
 */
export function heroSpinAzimuth(move: CameraMove, time: number): number {
  const rampOut = move.easeOutRatio;
  const rampIn = move.easing ? Math.min(HERO_SPIN_RAMP_IN, 1 - rampOut) : 0;
  return move.startAngleDegrees - move.sweepDegrees + move.sweepDegrees * rampedProgress(time, rampIn, rampOut);
}
