/**
 * The vignette: darkening towards the corners of the finished frame, as a lens or a
 * photographer's burn would.
 *
 * Curve: with d the distance from the frame centre on an ellipse that follows the frame's
 * aspect (0 at the centre, 1 at the corners, ≈0.71 at the edge midpoints), each colour is
 * multiplied by
 *
 *     1 − strength × MAX_DARKENING × smoothstep(INNER_RADIUS, 1, d)
 *
 * in display (sRGB) space — the same as a black radial gradient drawn "over" the frame in
 * a browser. Everything inside INNER_RADIUS (the centre of the frame, where the model is)
 * is untouched; at strength 1 the corners keep a quarter of their brightness. Strength 0
 * compiles no vignette at all, so it is an exact no-op.
 */

/** Distance from the centre (0..1 to the corners) where darkening starts. */
export const VIGNETTE_INNER_RADIUS = 0.4;
/** The share of brightness taken from the very corners at strength 1. */
export const VIGNETTE_MAX_DARKENING = 0.75;

/** The multiplier at normalised position (u, v) (0..1 across the frame) for `strength` 0..1: the shader's curve, for tests and docs. */
export function vignetteFactor(u: number, v: number, strength: number): number {
  const d = Math.hypot(u - 0.5, v - 0.5) * Math.SQRT2;
  const t = Math.min(1, Math.max(0, (d - VIGNETTE_INNER_RADIUS) / (1 - VIGNETTE_INNER_RADIUS)));
  return 1 - strength * VIGNETTE_MAX_DARKENING * t * t * (3 - 2 * t);
}

/** GLSL: `float vignetteFactor( vec2 uv )`, reading `uniform float vignetteStrength`. */
export const VIGNETTE_GLSL = /* glsl */ `
uniform float vignetteStrength;
float vignetteFactor( vec2 uv ) {
  float d = length( uv - 0.5 ) * ${Math.SQRT2.toFixed(8)};
  return 1.0 - vignetteStrength * ${VIGNETTE_MAX_DARKENING.toFixed(4)} * smoothstep( ${VIGNETTE_INNER_RADIUS.toFixed(4)}, 1.0, d );
}
`;
