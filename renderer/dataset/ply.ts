/**
 * points3d.ply: a binary little-endian PLY point cloud with, per point, float x y z,
 * float nx ny nz and uchar red green blue — the exact layout 3D Gaussian Splatting writes
 * and reads (its loader requires the normals), and one that nerfstudio (Open3D) and
 * every point-cloud viewer read too.
 *
 * Usage:
 * ```ts
 * const bytes = encodePly(points, ['sampled on the surface by renderbay']);
 * ```
 */

export interface PlyPoints {
  count: number;
  positions: Float32Array;
  normals: Float32Array;
  colours: Uint8Array;
}

const BYTES_PER_POINT = 6 * 4 + 3;

export function encodePly(points: PlyPoints, comments: string[] = []): Buffer {
  const header =
    [
      'ply',
      'format binary_little_endian 1.0',
      ...comments.map((comment) => `comment ${comment.replace(/[\r\n]+/g, ' ')}`),
      `element vertex ${points.count}`,
      'property float x',
      'property float y',
      'property float z',
      'property float nx',
      'property float ny',
      'property float nz',
      'property uchar red',
      'property uchar green',
      'property uchar blue',
      'end_header',
    ].join('\n') + '\n';
  const headerBytes = Buffer.from(header, 'ascii');
  const body = Buffer.alloc(points.count * BYTES_PER_POINT);
  for (let point = 0; point < points.count; point++) {
    let offset = point * BYTES_PER_POINT;
    for (let axis = 0; axis < 3; axis++, offset += 4) body.writeFloatLE(points.positions[point * 3 + axis], offset);
    for (let axis = 0; axis < 3; axis++, offset += 4) body.writeFloatLE(points.normals[point * 3 + axis], offset);
    for (let channel = 0; channel < 3; channel++, offset++) body[offset] = points.colours[point * 3 + channel];
  }
  return Buffer.concat([headerBytes, body]);
}
