/**
 * Reads an environment image (an equirectangular HDR panorama) into a float texture:
 * a preset from @pmndrs/assets (CC0 Poly Haven HDRIs, each an EXR as a base64 data URL
 * module: only the one used is imported) or an uploaded .hdr/.exr file.
 *
 * Both loaders decode to FloatType: headless-gl has no half-float textures, and a
 * HalfFloat environment renders black (RENDERER-NOTES.md).
 */
import { readFile } from 'node:fs/promises';
import * as THREE from 'three';
import { EXRLoader } from 'three/examples/jsm/loaders/EXRLoader.js';
import { RGBELoader } from 'three/examples/jsm/loaders/RGBELoader.js';
import type { EnvironmentSource } from '../../src/render/lighting-plan.js';

const EXR_MAGIC = 0x01312f76; // little-endian 76 2f 31 01

/** The decoded panorama as a float RGBA equirectangular texture (the caller disposes it). */
export async function loadEnvironmentImage(source: Exclude<EnvironmentSource, { kind: 'preset'; name: 'neutral' }>): Promise<THREE.DataTexture> {
  const bytes = source.kind === 'preset' ? await presetBytes(source.name) : await readFile(source.path);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const isExr = bytes.length >= 4 && bytes.readUInt32LE(0) === EXR_MAGIC;
  const decoded = isExr ? new EXRLoader().setDataType(THREE.FloatType).parse(buffer) : new RGBELoader().setDataType(THREE.FloatType).parse(buffer);
  const { width, height } = decoded;
  let data = decoded.data as Float32Array;
  if (!isExr) data = flipRows(data, width, height); // RGBE rows run top-down; GL's run bottom-up
  const texture = new THREE.DataTexture(data as Float32Array<ArrayBuffer>, width, height, (decoded as { format?: THREE.PixelFormat }).format ?? THREE.RGBAFormat, THREE.FloatType);
  texture.mapping = THREE.EquirectangularReflectionMapping;
  texture.colorSpace = THREE.LinearSRGBColorSpace;
  texture.minFilter = THREE.LinearFilter;
  texture.magFilter = THREE.LinearFilter;
  texture.generateMipmaps = false; // WebGL 1: uploads may be any size; PMREM filters anyway
  texture.needsUpdate = true;
  return texture;
}

async function presetBytes(name: string): Promise<Buffer> {
  const module = (await import(`@pmndrs/assets/hdri/${name}.exr.js`)) as { default: string };
  const base64 = module.default.slice(module.default.indexOf(',') + 1);
  return Buffer.from(base64, 'base64');
}

function flipRows(data: Float32Array, width: number, height: number): Float32Array {
  const row = width * 4;
  const flipped = new Float32Array(data.length);
  for (let y = 0; y < height; y++) flipped.set(data.subarray((height - 1 - y) * row, (height - y) * row), y * row);
  return flipped;
}
