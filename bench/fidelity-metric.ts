/**
 * model-viewer's render-fidelity metric (packages/render-fidelity-tools, as described in
 * ../shared/fidelity/README.md): both images blended over white by their alpha; per pixel
 * pixelmatch's YIQ colour distance d = 0.5053·ΔY² + 0.299·ΔI² + 0.1957·ΔQ² (0–255 units,
 * at most 35215); over the pixels where the candidate's alpha > 0,
 * score = 10·log10(sqrt(mean(d²)) / 35215) dB. Lower is better.
 */

/** Straight RGBA, top row first. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** pixelmatch's largest possible YIQ distance. */
const MAX_DELTA = 35215;

/** Score of `candidate` against `golden`, in dB. */
export function fidelityScore(candidate: RgbaImage, golden: RgbaImage): number {
  if (candidate.width !== golden.width || candidate.height !== golden.height) {
    throw new Error(`images differ in size: ${candidate.width}×${candidate.height} and ${golden.width}×${golden.height}`);
  }
  let sum = 0;
  let count = 0;
  for (let offset = 0; offset < candidate.data.length; offset += 4) {
    if (candidate.data[offset + 3] === 0) continue;
    const delta = colorDelta(candidate.data, golden.data, offset);
    sum += delta * delta;
    count++;
  }
  if (count === 0) return Number.NaN;
  return 10 * Math.log10(Math.sqrt(sum / count) / MAX_DELTA);
}

/** pixelmatch's colorDelta (not the signed, luminance-only variant) of one pixel of two images. */
function colorDelta(a: Uint8Array, b: Uint8Array, offset: number): number {
  const [r1, g1, b1] = overWhite(a, offset);
  const [r2, g2, b2] = overWhite(b, offset);
  const y = rgb2y(r1, g1, b1) - rgb2y(r2, g2, b2);
  const i = rgb2i(r1, g1, b1) - rgb2i(r2, g2, b2);
  const q = rgb2q(r1, g1, b1) - rgb2q(r2, g2, b2);
  return 0.5053 * y * y + 0.299 * i * i + 0.1957 * q * q;
}

function overWhite(data: Uint8Array, offset: number): [number, number, number] {
  const alpha = data[offset + 3] / 255;
  return [255 + (data[offset] - 255) * alpha, 255 + (data[offset + 1] - 255) * alpha, 255 + (data[offset + 2] - 255) * alpha];
}

const rgb2y = (r: number, g: number, b: number) => r * 0.29889531 + g * 0.58662247 + b * 0.11448223;
const rgb2i = (r: number, g: number, b: number) => r * 0.59597799 - g * 0.2741761 - b * 0.32180189;
const rgb2q = (r: number, g: number, b: number) => r * 0.21147017 - g * 0.52261711 + b * 0.31114694;
