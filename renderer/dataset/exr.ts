/**
 * A minimal OpenEXR writer for one 32-bit float channel: scanline image, no compression,
 * increasing Y — the simplest layout every EXR reader (OpenEXR, OpenCV, imageio, Blender)
 * opens. Used for the `depth-exr` pass (channel "Z", metres). Layout from the OpenEXR file
 * layout spec: magic, version 2, header attributes, offset table, one line per block.
 *
 * Usage:
 * ```ts
 * const bytes = encodeFloatExr(depthMetres, 800, 800, 'Z'); // rows top-down
 * ```
 */

const MAGIC = 20000630;
const FLOAT = 2;

function attribute(name: string, type: string, value: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32LE(value.length);
  return Buffer.concat([Buffer.from(`${name}\0${type}\0`, 'latin1'), size, value]);
}

function int32s(...values: number[]): Buffer {
  const buffer = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => buffer.writeInt32LE(value, index * 4));
  return buffer;
}

function float32s(...values: number[]): Buffer {
  const buffer = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => buffer.writeFloatLE(value, index * 4));
  return buffer;
}

export function encodeFloatExr(values: Float32Array, width: number, height: number, channel = 'Z'): Buffer {
  if (values.length !== width * height) throw new RangeError(`expected ${width * height} values, got ${values.length}`);
  // chlist: name, pixel type, pLinear + 3 reserved bytes, x and y sampling; then a closing 0.
  const channels = Buffer.concat([Buffer.from(`${channel}\0`, 'latin1'), int32s(FLOAT), Buffer.alloc(4), int32s(1, 1), Buffer.alloc(1)]);
  const window = int32s(0, 0, width - 1, height - 1);
  const header = Buffer.concat([
    int32s(MAGIC, 2),
    attribute('channels', 'chlist', channels),
    attribute('compression', 'compression', Buffer.from([0])),
    attribute('dataWindow', 'box2i', window),
    attribute('displayWindow', 'box2i', window),
    attribute('lineOrder', 'lineOrder', Buffer.from([0])),
    attribute('pixelAspectRatio', 'float', float32s(1)),
    attribute('screenWindowCenter', 'v2f', float32s(0, 0)),
    attribute('screenWindowWidth', 'float', float32s(1)),
    Buffer.alloc(1),
  ]);
  const lineBytes = 8 + width * 4;
  const firstLine = header.length + height * 8;
  // One allocation for the whole file (at 2048² that is 16 MB a view): header, offset table, lines.
  const file = Buffer.allocUnsafe(firstLine + height * lineBytes);
  header.copy(file, 0);
  const pixels = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  for (let row = 0; row < height; row++) {
    file.writeBigUInt64LE(BigInt(firstLine + row * lineBytes), header.length + row * 8);
    const at = firstLine + row * lineBytes;
    file.writeInt32LE(row, at);
    file.writeInt32LE(width * 4, at + 4);
    pixels.copy(file, at + 8, row * width * 4, (row + 1) * width * 4);
  }
  return file;
}
