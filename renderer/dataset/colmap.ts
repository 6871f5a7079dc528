/**
 * `sparse/0/`: the dataset as a COLMAP text model, for trainers that read only COLMAP
 * (gsplat's examples assert it exists; 3D Gaussian Splatting takes its COLMAP path as soon
 * as `sparse/` is there). Grammar of COLMAP's text format (colmap
 * src/colmap/scene/reconstruction_io_text.cc):
 *
 * - cameras.txt: `CAMERA_ID MODEL WIDTH HEIGHT PARAMS…`; one PINHOLE camera, params fx fy cx cy.
 * - images.txt: two lines per image: `IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME`, then
 *   `X Y POINT3D_ID` triples. (QW…TZ) is world-to-camera (cam_from_world), camera axes
 *   +X right, +Y down, +Z forward; NAME is the file name under `images/`. 2D points are
 *   pixel coordinates with the top-left pixel's centre at (0.5, 0.5), as ours.
 * - points3D.txt: `POINT3D_ID X Y Z R G B ERROR` then `IMAGE_ID POINT2D_IDX` pairs (the track).
 *
 * The points are those of points3d.ply. Each carries a track of the (up to) two views that
 * see it most squarely, its depth there agreeing with the depth pass; gsplat builds its
 * per-image point lists from these tracks, so every view gets its own visible points.
 * Points no view sees (inside the model) are left out. ERROR is 0: the positions are exact.
 */
import * as THREE from 'three';
import type { Intrinsics } from './dataset-frame.js';
import type { SurfacePoints } from './surface-points.js';
import { VIEW_FILES } from './transforms.js';

export const COLMAP_FILES = {
  cameras: 'sparse/0/cameras.txt',
  images: 'sparse/0/images.txt',
  points: 'sparse/0/points3D.txt',
  depthParams: 'sparse/0/depth_params.json',
} as const;

/** A surface point agrees with the depth map when within this many metres (the unit sphere's 0.5 %). */
const DEPTH_TOLERANCE = 0.005;
/** Views per point track. */
const TRACK_LENGTH = 2;

/** The image name COLMAP records for view `index`: its file name under images/. */
export function colmapImageName(index: number): string {
  return VIEW_FILES.image(index).slice('images/'.length);
}

/** World-to-camera rotation (Hamilton quaternion, w first) and translation in COLMAP's camera axes. */
export function colmapPose(cameraToWorld: number[][]): { q: [number, number, number, number]; t: [number, number, number] } {
  // OpenGL camera axes (Y up, looking down −Z) → OpenCV/COLMAP (Y down, looking down +Z): negate columns 1 and 2.
  const r = [0, 1, 2].map((row) => [cameraToWorld[row][0], -cameraToWorld[row][1], -cameraToWorld[row][2]]);
  const centre = [0, 1, 2].map((row) => cameraToWorld[row][3]);
  // World-to-camera: R = rᵀ, t = −R·centre.
  const rotation = new THREE.Matrix4().set(r[0][0], r[1][0], r[2][0], 0, r[0][1], r[1][1], r[2][1], 0, r[0][2], r[1][2], r[2][2], 0, 0, 0, 0, 1);
  const q = new THREE.Quaternion().setFromRotationMatrix(rotation);
  const sign = q.w < 0 ? -1 : 1; // q and −q are the same rotation; COLMAP writes w ≥ 0
  const t = [0, 1, 2].map((row) => -(r[0][row] * centre[0] + r[1][row] * centre[1] + r[2][row] * centre[2])) as [number, number, number];
  return { q: [sign * q.w, sign * q.x, sign * q.y, sign * q.z], t };
}

/**
 * Picks each point's track while the views render: `observe` each view's depth (metres,
 * rows top-down, 0 = background) as it comes, then `write` the three files.
 */
export class PointTracks {
  private readonly views: Int32Array;
  private readonly scores: Float32Array;
  private readonly pixels: Float32Array;

  constructor(
    private readonly points: SurfacePoints,
    private readonly camera: Intrinsics,
  ) {
    this.views = new Int32Array(points.count * TRACK_LENGTH).fill(-1);
    this.scores = new Float32Array(points.count * TRACK_LENGTH).fill(-Infinity);
    this.pixels = new Float32Array(points.count * TRACK_LENGTH * 2);
  }

  // Runs once per view over every point (10 M iterations for 100 views): the matrix lives in
  // locals and the loop touches typed arrays only.
  observe(view: number, cameraToWorld: number[][], depthMetres: Float32Array): void {
    const { points, views, scores, pixels } = this;
    const { positions, normals } = points;
    const { fx, fy, cx, cy, width, height } = this.camera;
    const [[m00, m01, m02, cx0], [m10, m11, m12, cy0], [m20, m21, m22, cz0]] = cameraToWorld;
    for (let point = 0; point < points.count; point++) {
      const dx = positions[point * 3] - cx0;
      const dy = positions[point * 3 + 1] - cy0;
      const dz = positions[point * 3 + 2] - cz0;
      // Camera coordinates (OpenGL axes): the columns of the camera-to-world rotation.
      const x = m00 * dx + m10 * dy + m20 * dz;
      const y = m01 * dx + m11 * dy + m21 * dz;
      const depth = -(m02 * dx + m12 * dy + m22 * dz);
      if (!(depth > 0)) continue;
      const u = cx + (fx * x) / depth;
      const v = cy - (fy * y) / depth;
      const column = Math.floor(u);
      const row = Math.floor(v);
      if (column < 0 || row < 0 || column >= width || row >= height) continue;
      const seen = depthMetres[row * width + column];
      if (!(seen > 0) || Math.abs(seen - depth) > DEPTH_TOLERANCE) continue;
      // How squarely the camera sees the surface there: normal · direction to the camera.
      const distance = Math.sqrt(dx * dx + dy * dy + dz * dz);
      const score = -(normals[point * 3] * dx + normals[point * 3 + 1] * dy + normals[point * 3 + 2] * dz) / distance;
      // Insertion into the point's short list, best first.
      let slot = TRACK_LENGTH;
      while (slot > 0 && scores[point * TRACK_LENGTH + slot - 1] < score) slot--;
      if (slot === TRACK_LENGTH) continue;
      for (let moved = TRACK_LENGTH - 1; moved > slot; moved--) {
        const to = point * TRACK_LENGTH + moved;
        views[to] = views[to - 1];
        scores[to] = scores[to - 1];
        pixels[to * 2] = pixels[(to - 1) * 2];
        pixels[to * 2 + 1] = pixels[(to - 1) * 2 + 1];
      }
      const at = point * TRACK_LENGTH + slot;
      views[at] = view;
      scores[at] = score;
      pixels[at * 2] = u;
      pixels[at * 2 + 1] = v;
    }
  }

  /** cameras.txt, images.txt and points3D.txt for views 0 … viewCount − 1. */
  write(cameraToWorld: number[][][]): { cameras: Buffer; images: Buffer; points: Buffer; observedPoints: number } {
    const { points, camera, views, pixels } = this;
    const number = (value: number) => String(Number(value.toPrecision(10)));
    // Per image: its 2D points, in track order; per point: (image id, index in that list).
    const imagePoints: string[][] = cameraToWorld.map(() => []);
    const pointLines: string[] = [];
    let observedPoints = 0;
    for (let point = 0; point < points.count; point++) {
      const track: string[] = [];
      for (let slot = 0; slot < TRACK_LENGTH; slot++) {
        const at = point * TRACK_LENGTH + slot;
        const view = views[at];
        if (view < 0) continue;
        track.push(`${view + 1} ${imagePoints[view].length}`);
        imagePoints[view].push(`${pixels[at * 2].toFixed(3)} ${pixels[at * 2 + 1].toFixed(3)} ${point + 1}`);
      }
      if (track.length === 0) continue;
      observedPoints++;
      const xyz = [0, 1, 2].map((axis) => number(points.positions[point * 3 + axis])).join(' ');
      const rgb = [0, 1, 2].map((channel) => points.colours[point * 3 + channel]).join(' ');
      pointLines.push(`${point + 1} ${xyz} ${rgb} 0 ${track.join(' ')}`);
    }
    const cameras = [
      '# Camera list with one line of data per camera:',
      '#   CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]',
      '# Number of cameras: 1',
      `1 PINHOLE ${camera.width} ${camera.height} ${[camera.fx, camera.fy, camera.cx, camera.cy].map(number).join(' ')}`,
    ];
    const images = [
      '# Image list with two lines of data per image:',
      '#   IMAGE_ID, QW, QX, QY, QZ, TX, TY, TZ, CAMERA_ID, NAME',
      '#   POINTS2D[] as (X, Y, POINT3D_ID)',
      `# Number of images: ${cameraToWorld.length}`,
      ...cameraToWorld.flatMap((pose, view) => {
        const { q, t } = colmapPose(pose);
        return [`${view + 1} ${[...q, ...t].map(number).join(' ')} 1 ${colmapImageName(view)}`, imagePoints[view].join(' ')];
      }),
    ];
    const pointsText = [
      '# 3D point list with one line of data per point:',
      '#   POINT3D_ID, X, Y, Z, R, G, B, ERROR, TRACK[] as (IMAGE_ID, POINT2D_IDX)',
      `# Number of points: ${observedPoints}`,
      ...pointLines,
    ];
    const text = (lines: string[]) => Buffer.from(`${lines.join('\n')}\n`);
    return { cameras: text(cameras), images: text(images), points: text(pointsText), observedPoints };
  }
}
