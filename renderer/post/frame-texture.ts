/**
 * A frame-sized image as a GL texture the composite samples one texel per output pixel.
 * Frame sizes are rarely powers of two, which WebGL 1 only allows with clamp-to-edge
 * wrapping and no mipmaps; nearest filtering at texel centres reproduces the pixels
 * exactly (no resampling happens on the GPU: sharp already sized the image).
 */
import * as THREE from 'three';
import type { FramePixels } from './overlay-raster.js';

export function createFrameTexture(renderer: THREE.WebGLRenderer, pixels: FramePixels): THREE.DataTexture {
  const texture = new THREE.DataTexture(new Uint8Array(pixels.data.buffer as ArrayBuffer, pixels.data.byteOffset, pixels.data.byteLength), pixels.width, pixels.height, THREE.RGBAFormat, THREE.UnsignedByteType);
  texture.wrapS = texture.wrapT = THREE.ClampToEdgeWrapping;
  texture.minFilter = texture.magFilter = THREE.NearestFilter;
  texture.generateMipmaps = false;
  texture.flipY = false; // rows are already bottom-up, as GL counts them
  texture.colorSpace = THREE.NoColorSpace; // sRGB bytes used as they are: the composite works in display space
  texture.needsUpdate = true;
  renderer.initTexture(texture);
  // Uploaded: the GL copy is all the composite needs, and at 4k each CPU copy is 33 MB.
  texture.image = { data: null as unknown as Uint8ClampedArray, width: pixels.width, height: pixels.height };
  return texture;
}
