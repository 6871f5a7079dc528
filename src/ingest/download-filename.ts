/**
 * The display name of a downloaded file: from the server's Content-Disposition if it sent
 * one, else the last segment of the URL path, else `model`. The name is the server's (or
 * the URL author's) choice, so it is reduced to a plain basename with no control characters:
 * it ends up as a model's `originalName`, never as a path we write to.
 */
import path from 'node:path';
import { LIMITS } from '../limits.js';

const FALLBACK_NAME = 'model';

export function downloadFilename(contentDisposition: string | undefined, url: URL): string {
  const fromHeader = contentDisposition === undefined ? null : dispositionFilename(contentDisposition);
  const fromUrl = url.pathname.split('/').pop() ?? '';
  return sanitizeFilename(fromHeader ?? '') ?? sanitizeFilename(decodePercent(fromUrl)) ?? FALLBACK_NAME;
}

/** `filename*=UTF-8''…` (RFC 6266 / 8187) wins over the plain `filename=` when both are present. */
function dispositionFilename(header: string): string | null {
  const extended = /(?:^|;)\s*filename\*\s*=\s*([\w!#$%&+^`{}~-]*)'[^']*'([^;\s]+)/i.exec(header);
  if (extended && /^utf-8$/i.test(extended[1]!)) {
    try {
      return decodeURIComponent(extended[2]!);
    } catch {
      // a malformed escape: fall back to the plain filename=
    }
  }
  const plain = /(?:^|;)\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(header);
  if (!plain) return null;
  return plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : plain[2]!;
}

function decodePercent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a malformed escape is kept literally rather than losing the name
  }
}

/** A basename without control characters, at most LIMITS.maxDownloadFilenameLength long; null if nothing usable is left. */
function sanitizeFilename(name: string): string | null {
  // Both separators: a server may send a Windows path, and the name may travel to a Windows client.
  const basename = name.split(/[\\/]/).pop() ?? '';
  const cleaned = basename.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (cleaned === '' || cleaned === '.' || cleaned === '..') return null;
  if (cleaned.length <= LIMITS.maxDownloadFilenameLength) return cleaned;
  // Too long: shorten the stem, keep the extension (it is what tells .glb from .gltf).
  const extension = path.extname(cleaned).slice(0, 16);
  return cleaned.slice(0, LIMITS.maxDownloadFilenameLength - extension.length) + extension;
}
