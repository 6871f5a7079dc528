/**
 * The orbiting camera every effect uses: it circles the vertical axis through a target at
 * a fixed elevation. With auto framing the target is the model's centre and the distance
 * is fitted so that the model's silhouette spans `fill` of the frame from every side and
 * in every aspect ratio; with an explicit camera (cameraOrbit) both are the user's.
 * Effects only choose the azimuth and a multiple of that distance per frame (camera-move.ts).
 */
import * as THREE from 'three';

/** Where the orbiting camera is for one frame (see camera-move.ts for how effects choose it). */
export interface OrbitPose {
  /** Degrees about +Y; 0 looks at the model's front (+Z). */
  azimuthDegrees: number;
  /** Multiple of the fitted orbit distance. */
  distanceMultiplier: number;
  /** Camera height above the target, in degrees of elevation. */
  elevationDegrees: number;
}

/** Auto framing's field of view across the frame's shorter side, in degrees. */
const SHORT_SIDE_FOV_DEGREES = 30;
/**
 * Azimuth steps sampled when fitting the whole orbit: every 5°, between which a point
 * moves at most 0.1 % of its distance from the axis outwards (1 − cos 2.5°), while the
 * fit costs samples × vertices (72 × 1 M vertices is about 0.15 s).
 */
const ORBIT_SAMPLES = 72;
/** Above this elevation (either way) the camera looks straight down (or up): see `placeOrbitCamera`. */
const STEEP_ELEVATION_DEGREES = 89;

/**
 * A perspective camera: `verticalFovDegrees` when given (an explicit fieldOfView),
 * otherwise one whose shorter side always sees 30°, whatever the aspect ratio.
 */
export function createCamera(width: number, height: number, verticalFovDegrees: number | null = null): THREE.PerspectiveCamera {
  const aspect = width / height;
  if (verticalFovDegrees !== null) return new THREE.PerspectiveCamera(verticalFovDegrees, aspect, 0.01, 1000);
  const shortHalf = THREE.MathUtils.degToRad(SHORT_SIDE_FOV_DEGREES / 2);
  const verticalHalf = aspect >= 1 ? shortHalf : Math.atan(Math.tan(shortHalf) / aspect);
  return new THREE.PerspectiveCamera(THREE.MathUtils.radToDeg(verticalHalf * 2), aspect, 0.01, 1000);
}

export interface OrbitFit {
  /** Share of the frame (each axis, from the centre out) the silhouette may reach. */
  fill: number;
  /** The smallest distance multiplier of the move (zoom-orbit): the fit holds there too. */
  closestMultiplier?: number;
  /** Only this azimuth (a steep still) instead of the whole orbit. */
  azimuthDegrees?: number;
  /** Share farther than fitted, for points that stand for others (Framing.slack). */
  slack?: number;
}

/**
 * The camera distance (at distance multiplier 1) at which every point of the model, seen
 * from every azimuth of a full orbit at the given elevation, stays within `fill` of the
 * frame from its centre, in both directions; with `closestMultiplier` below 1 it still
 * does at that multiple of the distance. `points` are the model's vertices in world space
 * (x, y, z triples): fitting the real surface rather than a box fills the frame the same
 * way for round, tall and wide models. Exact per sampled azimuth: a point at (u, v, w) in
 * the camera's basis (w towards the camera) stays inside when the camera is at least
 * w + max(|u| / (fill·tan(hx)), |v| / (fill·tan(hy))) from the target.
 */
export function fitOrbitDistance(camera: THREE.PerspectiveCamera, points: Float32Array, target: THREE.Vector3, elevationDegrees: number, fit: OrbitFit): number {
  const tanY = Math.tan(THREE.MathUtils.degToRad(camera.fov / 2)) * fit.fill;
  const tanX = tanY * camera.aspect;
  const probe = camera.clone();
  const right = new THREE.Vector3();
  const up = new THREE.Vector3();
  const back = new THREE.Vector3();
  const azimuths = fit.azimuthDegrees !== undefined ? [fit.azimuthDegrees] : Array.from({ length: ORBIT_SAMPLES }, (_, sample) => (360 * sample) / ORBIT_SAMPLES);
  let needed = 0;
  for (const azimuthDegrees of azimuths) {
    placeOrbitCamera(probe, target, 1, { azimuthDegrees, distanceMultiplier: 1, elevationDegrees });
    probe.matrixWorld.extractBasis(right, up, back);
    for (let offset = 0; offset < points.length; offset += 3) {
      const x = points[offset] - target.x;
      const y = points[offset + 1] - target.y;
      const z = points[offset + 2] - target.z;
      const u = Math.abs(x * right.x + y * right.y + z * right.z);
      const v = Math.abs(x * up.x + y * up.y + z * up.z);
      const w = x * back.x + y * back.y + z * back.z;
      const distance = w + Math.max(u / tanX, v / tanY);
      if (distance > needed) needed = distance;
    }
  }
  return (needed * (1 + (fit.slack ?? 0))) / Math.min(1, fit.closestMultiplier ?? 1);
}

/**
 * The lowest and highest the model reaches in the frame (normalised device y, −1 bottom
 * to 1 top) over a whole orbit at `distance`.
 */
export function verticalReach(camera: THREE.PerspectiveCamera, points: Float32Array, target: THREE.Vector3, elevationDegrees: number, distance: number): { bottom: number; top: number } {
  const tanY = Math.tan(THREE.MathUtils.degToRad(camera.fov / 2));
  const probe = camera.clone();
  const right = new THREE.Vector3();
  const up = new THREE.Vector3();
  const back = new THREE.Vector3();
  let bottom = Infinity;
  let top = -Infinity;
  for (let sample = 0; sample < ORBIT_SAMPLES; sample += 2) {
    placeOrbitCamera(probe, target, 1, { azimuthDegrees: (360 * sample) / ORBIT_SAMPLES, distanceMultiplier: 1, elevationDegrees });
    probe.matrixWorld.extractBasis(right, up, back);
    for (let offset = 0; offset < points.length; offset += 3) {
      const x = points[offset] - target.x;
      const y = points[offset + 1] - target.y;
      const z = points[offset + 2] - target.z;
      const height = (x * up.x + y * up.y + z * up.z) / ((distance - (x * back.x + y * back.y + z * back.z)) * tanY);
      if (height < bottom) bottom = height;
      if (height > top) top = height;
    }
  }
  return { bottom, top };
}

/**
 * Places the camera for one frame of the orbit. Looking straight down (or up), "up" in
 * the image cannot be world +Y: it is the horizontal direction the camera would tilt
 * towards, so the top view of the front (azimuth 0) has the front at the bottom, exactly
 * as a slightly lower camera would.
 */
export function placeOrbitCamera(camera: THREE.PerspectiveCamera, target: THREE.Vector3, baseDistance: number, pose: OrbitPose): void {
  const azimuth = THREE.MathUtils.degToRad(pose.azimuthDegrees);
  const elevation = THREE.MathUtils.degToRad(pose.elevationDegrees);
  const distance = baseDistance * pose.distanceMultiplier;
  camera.position.set(
    target.x + distance * Math.sin(azimuth) * Math.cos(elevation),
    target.y + distance * Math.sin(elevation),
    target.z + distance * Math.cos(azimuth) * Math.cos(elevation),
  );
  const towards = -Math.sign(pose.elevationDegrees);
  if (Math.abs(pose.elevationDegrees) > STEEP_ELEVATION_DEGREES) camera.up.set(towards * Math.sin(azimuth), 0, towards * Math.cos(azimuth));
  else camera.up.set(0, 1, 0);
  // Depth range: generous around the model and its mirror image below the floor. The
  // near plane follows the distance, so a camera that moves in close (zoom-orbit down to
  // 0.1 × zoom 0.5) still sees everything in front of it.
  camera.near = Math.max(distance * 0.02, distance - baseDistance * 2);
  camera.far = distance + baseDistance * 4;
  camera.lookAt(target);
  camera.updateProjectionMatrix();
  camera.updateMatrixWorld(true);
}

/**
 * Depth range for a camera placed by the user rather than fitted: the model (`box`, its
 * bounding sphere of `radius`), its ground and its mirror image below the floor stay
 * between near and far wherever the camera is, as long as it is outside the model.
 */
export function fitDepthRange(camera: THREE.PerspectiveCamera, box: THREE.Box3, radius: number): void {
  const centre = box.getCenter(new THREE.Vector3());
  camera.far = camera.position.distanceTo(centre) + radius * 6;
  camera.near = Math.max(camera.far * 1e-5, box.distanceToPoint(camera.position) * 0.5);
  camera.updateProjectionMatrix();
}
