/**
 * Radiance RGBE (.hdr) files for tests, written flat (not run-length encoded, which
 * readers accept): a uniform panorama of one linear colour, or a header alone declaring
 * any size (for the upload limits).
 */

/** The 4-byte RGBE encoding of a linear RGB colour. */
function rgbe([r, g, b]: readonly number[]): number[] {
  const max = Math.max(r, g, b);
  if (max < 1e-32) return [0, 0, 0, 0];
  const exponent = Math.ceil(Math.log2(max));
  const scale = 256 / 2 ** exponent;
  return [Math.min(255, Math.floor(r * scale)), Math.min(255, Math.floor(g * scale)), Math.min(255, Math.floor(b * scale)), exponent + 128];
}

function header(width: number, height: number): Buffer {
  return Buffer.from(`#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y ${height} +X ${width}\n`, 'latin1');
}

/** A width × height panorama of one linear colour (flat RGBE). */
export function uniformHdr(width: number, height: number, colour: readonly number[]): Buffer {
  const pixel = rgbe(colour);
  const pixels = Buffer.alloc(width * height * 4);
  for (let index = 0; index < width * height; index++) pixels.set(pixel, index * 4);
  return Buffer.concat([header(width, height), pixels]);
}

/** A header that declares width × height pixels, followed by a few bytes of pixel data. */
export function hdrDeclaring(width: number, height: number): Buffer {
  return Buffer.concat([header(width, height), Buffer.alloc(64)]);
}
