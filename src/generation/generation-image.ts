/**
 * Images in and out of generation: an input must be a JPEG, PNG or WebP (checked by its
 * first bytes before anything is reserved, decoded fully later), and every image kept —
 * the generated one, a restyle's result — is re-encoded as JPEG with sharp, which is
 * also the proof that what a provider returned is an image at all.
 */
import sharp from 'sharp';
import { RenderbayError } from '../errors.js';
import { LIMITS } from '../limits.js';

/** `invalid_request` unless `bytes` start like a JPEG, PNG or WebP and are within the size limit. */
export function assertInputImage(bytes: unknown, field = 'image'): Buffer {
  if (!Buffer.isBuffer(bytes) || bytes.length === 0) throw new RenderbayError('invalid_request', `${field} must be a non-empty image`);
  if (bytes.length > LIMITS.maxGenerationImageBytes) {
    throw new RenderbayError('file_too_large', `${field} is larger than the ${LIMITS.maxGenerationImageBytes / (1024 * 1024)} MB limit`, 413);
  }
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  const png = bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const webp = bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP';
  if (!jpeg && !png && !webp) throw new RenderbayError('invalid_request', `${field} must be a JPEG, PNG or WebP image`);
  return bytes;
}

/**
 * The image as a JPEG (its long side at most LIMITS.maxGeneratedImageSide); `what` names its origin in the
 * error when it cannot be decoded (a provider that returned something else fails its job).
 */
export async function toJpeg(bytes: Buffer, what: string): Promise<Buffer> {
  try {
    const side = LIMITS.maxGeneratedImageSide;
    return await sharp(bytes, { limitInputPixels: 4 * side * side })
      .rotate()
      .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 90 })
      .toBuffer();
  } catch (error) {
    throw new RenderbayError('invalid_image', `${what} is not a readable image (${(error as Error).message})`, 502);
  }
}
