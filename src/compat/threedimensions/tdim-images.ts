/**
 * Images on the 3Dimensions surface: `POST /api/v1/uploads` keeps one (JPEG, PNG or WebP,
 * checked by decoding its header) and answers the URL that serves it; `POST /api/v1/renders`
 * takes its source view as `image_base64` or `image_url` — an upload of this server is read
 * from disk, any other address fetched through the isolated fetcher and its address guard.
 *
 * An upload's URL is a capability: `{public URL}/compat/3dimensions/files/uploads/{token}.{ext}`
 * with a 190-bit random token, public as the document says ("get a public URL"), no key needed.
 * With `retentionDays` set, uploads older than that are deleted (src/storage/upload-folders.ts).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { AppContext } from '../../context.js';
import { RenderbayError } from '../../errors.js';
import { randomToken } from '../../ids.js';
import { LIMITS } from '../../limits.js';
import { fetchOutgoing } from '../../outgoing/fetcher.js';
import { threeDimensionsUploadsDirectory } from '../../storage/upload-folders.js';
import { isObject } from '../glossi/glossi-models.js';

export const UPLOADS_ROUTE = '/files/uploads';
const FORMATS = { jpeg: 'jpg', png: 'png', webp: 'webp' } as const;
const CONTENT_TYPES: Record<string, string> = { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };
const UPLOAD_NAME = /^([A-Za-z0-9]{32})\.(jpg|png|webp)$/;

const uploadsDirectory = (context: AppContext) => threeDimensionsUploadsDirectory(context.config.dataDirectory);

/** The image's file extension when it is a JPEG, PNG or WebP within the limits; `invalid_image` (400) otherwise. */
async function checkedImage(bytes: Buffer, what: string): Promise<string> {
  if (bytes.length === 0) throw new RenderbayError('invalid_image', `${what} is empty`, 400);
  if (bytes.length > LIMITS.maxCompatImageBytes) throw new RenderbayError('file_too_large', `${what} is larger than ${LIMITS.maxCompatImageBytes / 1024 / 1024} MB`, 413);
  const metadata = await sharp(bytes).metadata().catch(() => null);
  const extension = metadata?.format ? FORMATS[metadata.format as keyof typeof FORMATS] : undefined;
  if (!metadata || extension === undefined) throw new RenderbayError('invalid_image', `${what} is not a JPEG, PNG or WebP image`, 400);
  return extension;
}

/** base64, with or without a `data:image/…;base64,` prefix. */
export function decodeBase64Image(value: unknown, field: string): Buffer {
  if (typeof value !== 'string' || value.trim() === '') throw new RenderbayError('invalid_request', `${field} must be a base64-encoded image`, 400);
  const data = value.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(data)) throw new RenderbayError('invalid_request', `${field} is not valid base64`, 400);
  return Buffer.from(data, 'base64');
}

/** `POST /api/v1/uploads { image_base64 }` → `{ upload: { url, content_type, bytes } }`; `base` is the surface's absolute base URL. */
export async function storeUpload(context: AppContext, body: unknown, base: string) {
  const bytes = decodeBase64Image(isObject(body) ? (body.image_base64 ?? body.image) : undefined, 'image_base64');
  const extension = await checkedImage(bytes, 'The image');
  const name = `${randomToken(32)}.${extension}`;
  await mkdir(uploadsDirectory(context), { recursive: true });
  await writeFile(path.join(uploadsDirectory(context), name), bytes, { flag: 'wx' });
  return { upload: { url: `${base}${UPLOADS_ROUTE}/${name}`, content_type: CONTENT_TYPES[extension], bytes: bytes.length } };
}

/** The stored upload behind a file name from its URL, or null. */
export function uploadFile(context: AppContext, name: string | undefined): { path: string; contentType: string } | null {
  const match = UPLOAD_NAME.exec(name ?? '');
  return match ? { path: path.join(uploadsDirectory(context), match[0]), contentType: CONTENT_TYPES[match[2]] } : null;
}

/** The source image of a render request: `image_base64`, or `image_url` (this server's upload read from disk, else fetched). */
export async function sourceImage(context: AppContext, input: { image_url?: unknown; image_base64?: unknown }, base: string): Promise<Buffer> {
  if (input.image_base64 !== undefined) {
    const bytes = decodeBase64Image(input.image_base64, 'image_base64');
    await checkedImage(bytes, 'image_base64');
    return bytes;
  }
  if (typeof input.image_url !== 'string' || input.image_url.trim() === '') throw new RenderbayError('invalid_request', 'Send image_url, image_base64 or model_id', 400);
  const url = input.image_url.trim();
  const ownPrefix = `${base}${UPLOADS_ROUTE}/`;
  if (url.startsWith(ownPrefix)) {
    const upload = uploadFile(context, url.slice(ownPrefix.length));
    const bytes = upload ? await readFile(upload.path).catch(() => null) : null;
    if (bytes === null) throw new RenderbayError('invalid_request', 'image_url names an upload this server does not have', 400);
    return bytes;
  }
  const answer = await fetchOutgoing({ url }, { allowPrivate: context.config.allowPrivateUrls, maxBytes: LIMITS.maxCompatImageBytes });
  if (answer.body === null) throw new RenderbayError('download_failed', `Fetching image_url failed: the server answered HTTP ${answer.status}`, 400);
  await checkedImage(answer.body, 'The image at image_url');
  return answer.body;
}
