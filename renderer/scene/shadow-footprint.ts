/**
 * Crops a baked ground-shadow plane to the part of its texture that holds any shadow.
 *
 * The shadow planes are sized for the worst case (a grazing light's long shadow, a wide
 * blur) and centred on the model, so most of a plane is fully transparent; drawn whole it
 * is a transparent quad over much of a supersampled frame, a texture fetch and a blend
 * per pixel for nothing. A golden-hour plane is mostly empty: its shadow falls to one
 * side. Cropped to the texels with any alpha, plus one texel (what bilinear filtering
 * reaches from the last non-zero texel), the plane covers exactly the pixels that it
 * changes: everywhere else its alpha was 0 and the blend left the pixel as it was.
 */
import * as THREE from 'three';

/** Inclusive texel rectangle; columns run with u, rows with v (row 0 at v = 0, as GL reads a target). */
export interface TexelBounds {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * The texels of a square RGBA texture (`resolution`², as read back from its target) whose
 * alpha is above zero, grown by one texel and clamped to the texture; null when there are none.
 */
export function nonZeroAlphaBounds(rgba: ArrayLike<number>, resolution: number): TexelBounds | null {
  let x0 = resolution;
  let y0 = resolution;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < resolution; y++) {
    const row = y * resolution * 4;
    for (let x = 0; x < resolution; x++) {
      if (rgba[row + x * 4 + 3] > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  const last = resolution - 1;
  return { x0: Math.max(0, x0 - 1), y0: Math.max(0, y0 - 1), x1: Math.min(last, x1 + 1), y1: Math.min(last, y1 + 1) };
}

/**
 * The part of a `side`×`side` PlaneGeometry (in its own XY plane, before any rotation)
 * that a texel rectangle of its `resolution`² texture covers, with the UVs of the whole
 * plane at each point: the crop samples the texture exactly where the whole plane did.
 */
export function planeOverTexels(side: number, resolution: number, bounds: TexelBounds): THREE.PlaneGeometry {
  const u0 = bounds.x0 / resolution;
  const u1 = (bounds.x1 + 1) / resolution;
  const v0 = bounds.y0 / resolution;
  const v1 = (bounds.y1 + 1) / resolution;
  const geometry = new THREE.PlaneGeometry((u1 - u0) * side, (v1 - v0) * side);
  geometry.translate(((u0 + u1) / 2 - 0.5) * side, ((v0 + v1) / 2 - 0.5) * side, 0);
  const uv = geometry.getAttribute('uv') as THREE.BufferAttribute;
  for (let index = 0; index < uv.count; index++) {
    uv.setXY(index, u0 + uv.getX(index) * (u1 - u0), v0 + uv.getY(index) * (v1 - v0));
  }
  return geometry;
}

/**
 * Reads a baked shadow target back and crops `plane` (a `side`×`side` PlaneGeometry turned
 * by `rotationX` about X) to its shadowed texels. Returns false, with the plane hidden,
 * when no texel holds any shadow.
 */
export function cropPlaneToShadow(renderer: THREE.WebGLRenderer, target: THREE.WebGLRenderTarget, plane: THREE.Mesh, side: number, rotationX: number): boolean {
  const resolution = target.width;
  const length = resolution * resolution * 4;
  const pixels = target.texture.type === THREE.FloatType ? new Float32Array(length) : new Uint8Array(length);
  renderer.readRenderTargetPixels(target, 0, 0, resolution, resolution, pixels);
  const bounds = nonZeroAlphaBounds(pixels, resolution);
  plane.visible = bounds !== null;
  if (!bounds) return false;
  plane.geometry.dispose();
  plane.geometry = planeOverTexels(side, resolution, bounds).rotateX(rotationX);
  return true;
}
