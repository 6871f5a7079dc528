/**
 * Folders of files that compatible surfaces keep outside the file store (the 3Dimensions
 * surface's uploaded images), and their retention: with `retentionDays` set, files older
 * than that are deleted like old renders, so a public upload URL does not live forever.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/** Images uploaded through `POST /compat/3dimensions/api/v1/uploads`. */
export const threeDimensionsUploadsDirectory = (dataDirectory: string) => path.join(dataDirectory, 'compat-uploads', '3dimensions');

/** The upload folders retention sweeps. */
export const expiringUploadDirectories = (dataDirectory: string) => [threeDimensionsUploadsDirectory(dataDirectory)];

/** Deletes the plain files in `directory` last modified more than `days` days before `now`; returns how many and their bytes. */
export async function deleteExpiredUploads(directory: string, days: number, now = Date.now()): Promise<{ files: number; bytes: number }> {
  const cutoff = now - days * 86_400_000;
  const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
  let files = 0;
  let bytes = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(directory, entry.name);
    const info = await stat(file).catch(() => null);
    if (!info || info.mtimeMs >= cutoff) continue;
    await rm(file, { force: true });
    files++;
    bytes += info.size;
  }
  return { files, bytes };
}
