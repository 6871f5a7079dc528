/**
 * GLTFLoader plugin that decodes every texture image (PNG, JPEG, WebP, AVIF) with sharp.
 *
 * GLTFLoader expects a browser's image decoding. In Node each image is decoded here into
 * an RGBA DataTexture, resampled to a power of two (WebGL 1 needs that for mipmaps and
 * repeat wrapping) and capped in size; GLTFLoader still applies samplers and colour
 * spaces. A broken image fails the load with `invalid_model` instead of silently
 * rendering untextured, which is what GLTFLoader would otherwise do.
 */
import sharp from 'sharp';
import * as THREE from 'three';
import type { GLTFLoaderPlugin, GLTFParser } from 'three/examples/jsm/loaders/GLTFLoader.js';
import { RenderbayError } from '../../src/errors.js';
import { LIMITS } from '../../src/limits.js';

const NAME = 'renderbay_sharp_textures';
/**
 * No anisotropic filtering: llvmpipe implements it in software, and at anisotropy 4 it
 * doubled the frame time of a textured model (27 → 57 ms at 540p) while supersampling
 * already resolves the oblique-texture blur it would fix.
 */
const ANISOTROPY = 1;

const WEBGL_FILTERS: Record<number, THREE.TextureFilter> = {
  9728: THREE.NearestFilter,
  9729: THREE.LinearFilter,
  9984: THREE.NearestMipmapNearestFilter,
  9985: THREE.LinearMipmapNearestFilter,
  9986: THREE.NearestMipmapLinearFilter,
  9987: THREE.LinearMipmapLinearFilter,
};
const WEBGL_WRAPPINGS: Record<number, THREE.Wrapping> = {
  33071: THREE.ClampToEdgeWrapping,
  33648: THREE.MirroredRepeatWrapping,
  10497: THREE.RepeatWrapping,
};

interface TextureDef {
  source?: number;
  sampler?: number;
  name?: string;
  extensions?: Record<string, { source?: number }>;
}

/** Nearest power of two in log space, so 300 → 256 and 400 → 512; never above the cap. */
export function powerOfTwo(size: number, cap: number = LIMITS.maxUploadTextureSide): number {
  const nearest = 2 ** Math.round(Math.log2(Math.max(1, size)));
  return Math.min(nearest, cap);
}

/** Decodes image bytes into RGBA pixels of power-of-two size. */
export async function decodeTextureImage(bytes: Uint8Array, label: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  let metadata: { width?: number; height?: number };
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new RenderbayError('invalid_model', `${label} is not a readable PNG, JPEG, WebP or AVIF image`);
  }
  const { width = 0, height = 0 } = metadata;
  if (width > LIMITS.maxTextureSide || height > LIMITS.maxTextureSide || width * height > LIMITS.maxTexturePixels) {
    throw new RenderbayError(
      'invalid_model',
      `${label} declares ${width}×${height} pixels; the limit is ${LIMITS.maxTextureSide}×${LIMITS.maxTextureSide}`,
    );
  }
  const targetWidth = powerOfTwo(width);
  const targetHeight = powerOfTwo(height);
  try {
    let pipeline = sharp(bytes, { limitInputPixels: LIMITS.maxTexturePixels }).ensureAlpha();
    if (targetWidth !== width || targetHeight !== height) {
      pipeline = pipeline.resize(targetWidth, targetHeight, { fit: 'fill', kernel: 'lanczos3' });
    }
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch {
    throw new RenderbayError('invalid_model', `${label} could not be decoded (corrupt image data)`);
  }
}

export class SharpTexturePlugin implements GLTFLoaderPlugin {
  readonly name = NAME;
  private readonly cache = new Map<string, Promise<THREE.Texture>>();

  constructor(private readonly parser: GLTFParser) {}

  loadTexture(textureIndex: number): Promise<THREE.Texture> {
    const json = this.parser.json as { textures: TextureDef[]; samplers?: Record<string, number>[]; images: { bufferView?: number; uri?: string; name?: string; mimeType?: string }[] };
    const textureDef = json.textures[textureIndex];
    const extensionSource = Object.values(textureDef.extensions ?? {}).find((extension) => typeof extension?.source === 'number')?.source;
    const sourceIndex = extensionSource ?? textureDef.source;
    if (sourceIndex === undefined || !json.images?.[sourceIndex]) {
      return Promise.reject(new RenderbayError('invalid_model', `texture ${textureIndex} has no image source`));
    }
    const cacheKey = `${sourceIndex}:${textureDef.sampler}`;
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;

    const imageDef = json.images[sourceIndex];
    const label = `texture ${textureIndex} (image ${sourceIndex}${imageDef.name ? ` "${imageDef.name}"` : ''})`;
    const promise = this.readImageBytes(imageDef, label)
      .then((bytes) => decodeTextureImage(bytes, label))
      .then(({ data, width, height }) => {
        const texture = new THREE.DataTexture(data as Uint8Array<ArrayBuffer>, width, height, THREE.RGBAFormat, THREE.UnsignedByteType);
        const sampler = (json.samplers ?? [])[textureDef.sampler ?? -1] ?? {};
        texture.flipY = false;
        texture.generateMipmaps = true;
        texture.magFilter = (WEBGL_FILTERS[sampler.magFilter] as THREE.MagnificationTextureFilter) ?? THREE.LinearFilter;
        texture.minFilter = WEBGL_FILTERS[sampler.minFilter] ?? THREE.LinearMipmapLinearFilter;
        texture.wrapS = WEBGL_WRAPPINGS[sampler.wrapS] ?? THREE.RepeatWrapping;
        texture.wrapT = WEBGL_WRAPPINGS[sampler.wrapT] ?? THREE.RepeatWrapping;
        texture.anisotropy = ANISOTROPY;
        texture.name = textureDef.name ?? imageDef.name ?? '';
        texture.userData.mimeType = imageDef.mimeType;
        texture.needsUpdate = true;
        this.parser.associations.set(texture, { textures: textureIndex });
        return texture;
      });
    this.cache.set(cacheKey, promise);
    return promise;
  }

  private async readImageBytes(imageDef: { bufferView?: number; uri?: string }, label: string): Promise<Uint8Array> {
    if (imageDef.bufferView !== undefined) {
      const view = (await this.parser.getDependency('bufferView', imageDef.bufferView)) as ArrayBuffer;
      return new Uint8Array(view);
    }
    // Models are packed into a single GLB before loading, so a URI here is a bug, not user input.
    throw new RenderbayError('invalid_model', `${label} is not embedded in the model`);
  }
}
