/**
 * Reading a dataset zip the way a trainer does — yauzl for the archive, sharp for the
 * PNGs, the pinhole model of transforms.json for geometry — so tests can check that
 * poses, intrinsics, depth, masks and points agree with each other.
 */
import sharp from 'sharp';
import yauzl from 'yauzl';

/** Every entry of a zip, by name (test datasets are small enough to hold). */
export async function readZip(file: string): Promise<Map<string, Buffer>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true }, (error, opened) => (error ? reject(error) : resolve(opened))),
  );
  const entries = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', resolve);
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', reject);
        stream.on('end', () => {
          entries.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  zip.close();
  return entries;
}

export interface Plane<T extends Uint8Array | Uint16Array = Uint8Array> {
  width: number;
  height: number;
  channels: number;
  /** Rows top-down. */
  data: T;
}

/** An 8-bit PNG with the channels it stores (sharp would turn grey into RGB by default). */
export async function decodePng(bytes: Buffer): Promise<Plane> {
  const grey = pngHeader(bytes).colourType === 0;
  const { data, info } = await (grey ? sharp(bytes).extractChannel(0) : sharp(bytes)).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** A 16-bit grey PNG as its integer values. */
export async function decodeDepthPng(bytes: Buffer): Promise<Plane<Uint16Array>> {
  const { data, info } = await sharp(bytes).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  const values = new Uint16Array(data.byteLength / 2);
  for (let index = 0; index < values.length; index++) values[index] = data.readUInt16LE(index * 2);
  return { width: info.width, height: info.height, channels: 1, data: values };
}

/** Bit depth and colour type from a PNG's IHDR (what OpenCV and PIL see). */
export function pngHeader(bytes: Buffer): { width: number; height: number; bitDepth: number; colourType: number } {
  if (bytes.toString('latin1', 1, 4) !== 'PNG' || bytes.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), bitDepth: bytes[24], colourType: bytes[25] };
}

/** The pinhole camera of one frame: intrinsics and camera-to-world (rows first). */
export interface FrameCamera {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  width: number;
  height: number;
  cameraToWorld: number[][];
}

type Vec3 = [number, number, number];

/** World point of pixel (column, row) of depth `metres`, through the pixel's centre. */
export function unproject(camera: FrameCamera, column: number, row: number, metres: number): Vec3 {
  const x = ((column + 0.5 - camera.cx) / camera.fx) * metres;
  const y = -((row + 0.5 - camera.cy) / camera.fy) * metres;
  const z = -metres;
  const m = camera.cameraToWorld;
  return [0, 1, 2].map((axis) => m[axis][0] * x + m[axis][1] * y + m[axis][2] * z + m[axis][3]) as Vec3;
}

/** Continuous pixel coordinates (u right, v down, pixel centres at +0.5) and z-depth of a world point. */
export function project(camera: FrameCamera, point: Vec3): { u: number; v: number; depth: number } {
  const m = camera.cameraToWorld;
  const relative = [point[0] - m[0][3], point[1] - m[1][3], point[2] - m[2][3]];
  // world → camera is the transpose of the rotation (the pose is rigid).
  const [x, y, z] = [0, 1, 2].map((axis) => m[0][axis] * relative[0] + m[1][axis] * relative[1] + m[2][axis] * relative[2]);
  const depth = -z;
  return { u: camera.cx + (camera.fx * x) / depth, v: camera.cy - (camera.fy * y) / depth, depth };
}

/** Parses the binary little-endian PLY the dataset writes (x y z nx ny nz float, red green blue uchar). */
export function parsePly(bytes: Buffer): { header: string; count: number; positions: Vec3[]; normals: Vec3[]; colours: Vec3[] } {
  const end = bytes.indexOf('end_header\n');
  if (end < 0) throw new Error('PLY without end_header');
  const header = bytes.toString('ascii', 0, end + 'end_header\n'.length);
  const count = Number(/element vertex (\d+)/.exec(header)?.[1]);
  const body = bytes.subarray(header.length);
  const stride = 27;
  if (body.length !== count * stride) throw new Error(`PLY body has ${body.length} bytes, expected ${count * stride}`);
  const positions: Vec3[] = [];
  const normals: Vec3[] = [];
  const colours: Vec3[] = [];
  for (let point = 0; point < count; point++) {
    const offset = point * stride;
    positions.push([body.readFloatLE(offset), body.readFloatLE(offset + 4), body.readFloatLE(offset + 8)]);
    normals.push([body.readFloatLE(offset + 12), body.readFloatLE(offset + 16), body.readFloatLE(offset + 20)]);
    colours.push([body[offset + 24], body[offset + 25], body[offset + 26]]);
  }
  return { header, count, positions, normals, colours };
}

/** Largest value of a plane within ±radius pixels of (column, row). */
export function maxNear(plane: Plane<Uint8Array | Uint16Array>, column: number, row: number, radius = 1): number {
  let best = 0;
  for (let y = Math.max(0, row - radius); y <= Math.min(plane.height - 1, row + radius); y++) {
    for (let x = Math.max(0, column - radius); x <= Math.min(plane.width - 1, column + radius); x++) best = Math.max(best, plane.data[y * plane.width + x]);
  }
  return best;
}

export interface Reprojection {
  /** Depth pixels of the source view that land inside the target image. */
  inside: number;
  /** …hidden behind a nearer surface in the target view (not co-visible). */
  occluded: number;
  /** Co-visible points whose depth matches the target's depth map (±1 px, ±tolerance). */
  agree: number;
  /** Co-visible points that match nowhere within ±1 px. */
  disagree: number;
  /** Co-visible points where the target's mask is 0 within ±1 px. */
  outsideMask: number;
  /** Median |depth difference| in mm at the nearest pixel, over agreeing points. */
  medianErrorMm: number;
}

/**
 * Unprojects every depth pixel of `source` and reprojects it into `target`: co-visible
 * points (not hidden behind a nearer surface there) must find their own depth in the
 * target's depth map within ±1 px and `tolerance` (relative), and lie inside its mask.
 */
export function reproject(
  source: { camera: FrameCamera; depth: Plane<Uint16Array> },
  target: { camera: FrameCamera; depth: Plane<Uint16Array>; mask: Plane },
  tolerance = 0.01,
): Reprojection {
  const result: Reprojection = { inside: 0, occluded: 0, agree: 0, disagree: 0, outsideMask: 0, medianErrorMm: 0 };
  const errors: number[] = [];
  const { width, height } = source.depth;
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      const millimetres = source.depth.data[row * width + column];
      if (!millimetres) continue;
      const world = unproject(source.camera, column, row, millimetres / 1000);
      const { u, v, depth } = project(target.camera, world);
      if (!(depth > 0) || u < 0 || v < 0 || u >= target.depth.width || v >= target.depth.height) continue;
      result.inside++;
      const expected = depth * 1000;
      const x = Math.floor(u);
      const y = Math.floor(v);
      let matched = false;
      let nearer = false;
      for (let dy = -1; dy <= 1 && !matched; dy++) {
        for (let dx = -1; dx <= 1 && !matched; dx++) {
          const tx = x + dx;
          const ty = y + dy;
          if (tx < 0 || ty < 0 || tx >= target.depth.width || ty >= target.depth.height) continue;
          const found = target.depth.data[ty * target.depth.width + tx];
          if (!found) continue;
          if (Math.abs(found - expected) <= expected * tolerance) matched = true;
          else if (found < expected && dx === 0 && dy === 0) nearer = true;
        }
      }
      if (!matched && nearer) {
        result.occluded++;
        continue;
      }
      if (matched) {
        result.agree++;
        const centre = target.depth.data[y * target.depth.width + x];
        if (centre) errors.push(Math.abs(centre - expected));
      } else result.disagree++;
      if (maxNear(target.mask, x, y) === 0) result.outsideMask++;
    }
  }
  errors.sort((a, b) => a - b);
  result.medianErrorMm = errors.length ? errors[errors.length >> 1] : NaN;
  return result;
}
