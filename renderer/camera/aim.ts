/**
 * Where the orbit of a render is centred and how far out it runs. Auto framing aims at the
 * model's centre from the distance at which its silhouette spans `fill` of the frame
 * (orbit.ts). An explicit camera (cameraOrbit, cameraTarget) is in the model's own
 * coordinates: the studio still stands the model on the floor, so the same translation is
 * applied to the camera instead — what the camera sees is exactly what it would see of
 * the unmoved model (the environment and key light depend on direction only).
 */
import * as THREE from 'three';
import type { StudioPlan } from '../studio.js';
import type { Framing } from '../scene/framing.js';
import { RenderbayError } from '../../src/errors.js';
import { cameraInsideModelMessage } from '../../src/settings/camera-settings.js';
import { cameraPose } from './camera-move.js';
import { fitOrbitDistance, placeOrbitCamera, verticalReach } from './orbit.js';

export interface CameraAim {
  /** The point the camera orbits and looks at, in world space. */
  target: THREE.Vector3;
  /** The orbit distance at distance multiplier 1 (zoom and zoom-orbit multiply it). */
  distance: number;
}

export function aimCamera(camera: THREE.PerspectiveCamera, plan: Pick<StudioPlan, 'camera' | 'frameCount' | 'stills'>, framing: Framing): CameraAim {
  const move = plan.camera;
  if (!move.explicit) return autoFrame(camera, plan, framing);
  const target = move.explicit.target ? new THREE.Vector3(...move.explicit.target).add(framing.offset) : framing.box.getCenter(new THREE.Vector3());
  const aim = { target, distance: move.explicit.radius };
  assertOutsideModel(camera, plan, framing, aim);
  return aim;
}

/** Passes of the vertical centring below: the second corrects the first's perspective error. */
const CENTRING_PASSES = 2;

/**
 * Auto framing: the distance at which the silhouette reaches `fill` of the frame over the
 * whole move, aimed so that the silhouette (not its bounding box) is centred vertically —
 * a model seen from above shows more of its top than its bottom, so it spans `fill` of
 * the frame's height, not less.
 */
function autoFrame(camera: THREE.PerspectiveCamera, plan: Pick<StudioPlan, 'camera' | 'stills'>, framing: Framing): CameraAim {
  const move = plan.camera;
  const closestMultiplier = move.effect === 'zoom-orbit' && !plan.stills ? Math.min(move.zoomStart, move.zoomEnd) : 1;
  // Centred at the distance where fill is reached, so a zoom-orbit's closest frame is a turntable's.
  const fit = { fill: move.fill, slack: framing.slack };
  const target = framing.centre.clone();
  let distance = fitOrbitDistance(camera, framing.points, target, move.elevationDegrees, fit);
  const tanY = Math.tan(THREE.MathUtils.degToRad(camera.fov / 2));
  for (let pass = 0; pass < CENTRING_PASSES; pass++) {
    const { bottom, top } = verticalReach(camera, framing.points, target, move.elevationDegrees, distance);
    target.y += (((bottom + top) / 2) * distance * tanY) / Math.cos(THREE.MathUtils.degToRad(move.elevationDegrees));
    distance = fitOrbitDistance(camera, framing.points, target, move.elevationDegrees, fit);
  }
  return { target, distance: distance / Math.min(1, closestMultiplier) };
}

/** Refuses a camera that would sit inside the model's bounds on any frame of the move (or any still). */
function assertOutsideModel(camera: THREE.PerspectiveCamera, plan: Pick<StudioPlan, 'camera' | 'frameCount' | 'stills'>, framing: Framing, aim: CameraAim): void {
  const probe = camera.clone();
  const poses = plan.stills
    ? plan.stills.views.map((view) => ({ ...view, distanceMultiplier: 1 }))
    : Array.from({ length: plan.frameCount }, (_, index) => cameraPose(plan.camera, index, plan.frameCount));
  for (const pose of poses) {
    placeOrbitCamera(probe, aim.target, aim.distance, pose);
    if (!framing.box.containsPoint(probe.position)) continue;
    const modelBox = framing.box.clone().translate(framing.offset.clone().negate());
    throw new RenderbayError('invalid_settings', cameraInsideModelMessage(orbitText(plan), { min: modelBox.min.toArray(), max: modelBox.max.toArray() }), 400);
  }
}

function orbitText(plan: Pick<StudioPlan, 'camera'>): string {
  const { startAngleDegrees, elevationDegrees, explicit } = plan.camera;
  return `${startAngleDegrees}deg ${90 - elevationDegrees}deg ${explicit!.radius}m`;
}
