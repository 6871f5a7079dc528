/**
 * The orbiting camera every effect uses: it circles the vertical axis through the model's
 * centre at a fixed elevation, at a distance fitted so that the model fills the same
 * share of the frame from every side and in every aspect ratio. Effects only choose the
 * azimuth and a multiple of that distance per frame (camera-move.ts).
 */
import * as THREE from 'three';

/** Where the orbiting camera is for one frame (see camera-move.ts for how effects choose it). */
export interface OrbitPose {
  /** Degrees about +Y; 0 looks at the model's front (+Z). */
  azimuthDegrees: number;
  /** Multiple of the fitted orbit distance. */
  distanceMultiplier: number;
  /** Camera height above the model centre, in degrees of elevation. */
  elevationDegrees: number;
}

/** Half of the field of view across the frame's shorter side, in degrees. */
const SHORT_SIDE_HALF_FOV_DEGREES = 15;
/** Largest share of the frame (in normalised device coordinates) the model may reach at zoom 1. */
const FRAME_FILL = 0.8;
/** Azimuth steps sampled when fitting the whole orbit. */
const ORBIT_SAMPLES = 72;

/** A perspective camera whose shorter side always sees ±15°, whatever the aspect ratio. */
export function createCamera(width: number, height: number): THREE.PerspectiveCamera {
  const aspect = width / height;
  const shortHalf = THREE.MathUtils.degToRad(SHORT_SIDE_HALF_FOV_DEGREES);
  const verticalHalf = aspect >= 1 ? shortHalf : Math.atan(Math.tan(shortHalf) / aspect);
  return new THREE.PerspectiveCamera(THREE.MathUtils.radToDeg(verticalHalf * 2), aspect, 0.01, 1000);
}

/**
 * The camera distance (at zoom 1) at which the model's bounding box, seen from every
 * azimuth of a full orbit at the given elevation, stays within FRAME_FILL of the frame.
 * Fitting the real box corners rather than a bounding sphere fills the frame the same
 * way for tall, wide and round models.
 */
export function fitOrbitDistance(camera: THREE.PerspectiveCamera, box: THREE.Box3, target: THREE.Vector3, elevationDegrees: number): number {
  const corners = [0, 1, 2, 3, 4, 5, 6, 7].map(
    (bits) => new THREE.Vector3(bits & 1 ? box.max.x : box.min.x, bits & 2 ? box.max.y : box.min.y, bits & 4 ? box.max.z : box.min.z),
  );
  const radius = box.getSize(new THREE.Vector3()).length() / 2;
  const projected = new THREE.Vector3();
  const probe = camera.clone();
  const fits = (distance: number) => {
    for (let sample = 0; sample < ORBIT_SAMPLES; sample++) {
      placeOrbitCamera(probe, target, distance, { azimuthDegrees: (360 * sample) / ORBIT_SAMPLES, distanceMultiplier: 1, elevationDegrees });
      for (const corner of corners) {
        projected.copy(corner).project(probe);
        if (projected.z > 1 || Math.abs(projected.x) > FRAME_FILL || Math.abs(projected.y) > FRAME_FILL) return false;
      }
    }
    return true;
  };
  let near = radius * 0.5;
  let far = radius * 50;
  for (let iteration = 0; iteration < 40; iteration++) {
    const middle = (near + far) / 2;
    if (fits(middle)) far = middle;
    else near = middle;
  }
  return far;
}

/** Places the camera for one frame of the orbit. */
export function placeOrbitCamera(camera: THREE.PerspectiveCamera, target: THREE.Vector3, baseDistance: number, pose: OrbitPose): void {
  const azimuth = THREE.MathUtils.degToRad(pose.azimuthDegrees);
  const elevation = THREE.MathUtils.degToRad(pose.elevationDegrees);
  const distance = baseDistance * pose.distanceMultiplier;
  camera.position.set(
    target.x + distance * Math.sin(azimuth) * Math.cos(elevation),
    target.y + distance * Math.sin(elevation),
    target.z + distance * Math.cos(azimuth) * Math.cos(elevation),
  );
  // Depth range: generous around the model and its mirror image below the floor. The
  // near plane follows the distance, so a camera that moves in close (zoom-orbit down to
  // 0.1 × zoom 0.5) still sees everything in front of it.
  camera.near = Math.max(distance * 0.02, distance - baseDistance * 2);
  camera.far = distance + baseDistance * 4;
  camera.lookAt(target);
  camera.updateProjectionMatrix();
  camera.updateMatrixWorld(true);
}
