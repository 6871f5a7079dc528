/**
 * sRGB textures decoded in the shader instead of on the CPU.
 *
 * WebGL 1 here has no EXT_sRGB, so three would convert every sRGB texture to 8-bit linear
 * on the CPU: 256 levels collapse to ~166 (visible banding in darks), alpha is converted
 * too, and it costs ~1 s per 2048² texture. Instead the bytes are uploaded untouched
 * (colour space "none") and the material's fragment shader decodes sRGB after sampling.
 */
import * as THREE from 'three';

/** Material texture slots that glTF defines as sRGB, and the shader chunk that samples each. */
const SRGB_SLOT_CHUNKS = {
  map: 'map_fragment',
  emissiveMap: 'emissivemap_fragment',
  specularColorMap: 'lights_physical_fragment',
  sheenColorMap: 'lights_physical_fragment',
} as const;

type SrgbSlot = keyof typeof SRGB_SLOT_CHUNKS;

const SRGB_DECODE_GLSL = /* glsl */ `
vec4 rbSrgbToLinear( vec4 value ) {
  vec3 low = value.rgb * 0.0773993808;
  vec3 high = pow( value.rgb * 0.9478672986 + vec3( 0.0521327014 ), vec3( 2.4 ) );
  return vec4( mix( high, low, vec3( lessThanEqual( value.rgb, vec3( 0.04045 ) ) ) ), value.a );
}
`;

/** Rewrites one material so its sRGB textures upload raw and decode per fragment. */
export function decodeSrgbTexturesInShader(material: THREE.Material): void {
  const slots = (Object.keys(SRGB_SLOT_CHUNKS) as SrgbSlot[]).filter((slot) => {
    const texture = (material as unknown as Record<string, THREE.Texture | null | undefined>)[slot];
    return texture?.isTexture === true && texture.colorSpace === THREE.SRGBColorSpace;
  });
  if (slots.length === 0) return;
  for (const slot of slots) {
    const texture = (material as unknown as Record<SrgbSlot, THREE.Texture>)[slot];
    texture.colorSpace = THREE.NoColorSpace;
    texture.needsUpdate = true;
  }
  const chunks = new Set(slots.map((slot) => SRGB_SLOT_CHUNKS[slot]));
  material.onBeforeCompile = (shader) => {
    let fragment = shader.fragmentShader.replace('void main() {', `${SRGB_DECODE_GLSL}\nvoid main() {`);
    for (const chunk of chunks) {
      let source = THREE.ShaderChunk[chunk];
      for (const slot of slots.filter((candidate) => SRGB_SLOT_CHUNKS[candidate] === chunk)) {
        source = source.replace(new RegExp(`texture2D\\( ${slot}, (\\w+) \\)`, 'g'), `rbSrgbToLinear( texture2D( ${slot}, $1 ) )`);
      }
      fragment = fragment.replace(`#include <${chunk}>`, source);
    }
    shader.fragmentShader = fragment;
  };
  material.customProgramCacheKey = () => `renderbay-srgb:${slots.join(',')}`;
  material.needsUpdate = true;
}
