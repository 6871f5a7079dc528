/**
 * Unpacks an uploaded model archive (.zip) into a private folder, treating every byte of
 * it as hostile. Before a single byte is extracted, every entry in the central directory
 * is checked: its name (no absolute paths, drive letters, backslashes, `..`, control
 * characters), its type (regular files and folders only: symlinks, devices and FIFOs are
 * refused), nested archives, encryption, the entry count, the declared total size and
 * each entry's compression ratio. The size and ratio caps are enforced again while
 * inflating, on the bytes actually produced, so a header that lies gains nothing.
 *
 * Every refusal is a `RenderbayError('unsafe_archive')` (or `invalid_format` for a file
 * that is simply not a readable zip). On any failure the caller removes the folder; this
 * module never writes outside it.
 *
 * ```ts
 * const files = await extractArchive(uploadPath, workDirectory);   // [{ name: 'scan/model.obj', path, bytes }, …]
 * ```
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { RenderbayError } from '../errors.js';
import { LIMITS } from '../limits.js';

export interface ArchiveOptions {
  /** Most entries the central directory may list. */
  maxEntries: number;
  /** Most bytes all entries may expand to together. */
  maxUncompressedBytes: number;
  /** Highest uncompressed ÷ compressed ratio of one entry at least `ratioFloorBytes` long. */
  maxCompressionRatio: number;
  /** Entries that expand to fewer bytes than this are exempt from the ratio check. */
  ratioFloorBytes: number;
  /** Longest entry path. */
  maxNameLength: number;
}

export const DEFAULTS: Readonly<ArchiveOptions> = {
  maxEntries: LIMITS.maxArchiveEntries,
  maxUncompressedBytes: LIMITS.maxArchiveUncompressedBytes,
  maxCompressionRatio: LIMITS.maxArchiveCompressionRatio,
  ratioFloorBytes: LIMITS.archiveRatioFloorBytes,
  maxNameLength: LIMITS.maxArchiveEntryNameLength,
};

export interface ExtractedFile {
  /** The entry's path inside the archive, always with forward slashes. */
  name: string;
  /** Where it was extracted (inside the target folder). */
  path: string;
  bytes: number;
}

/** Names of archives inside archives: refused, never unpacked recursively. */
const NESTED_ARCHIVE = /\.(zip|usdz|rar|7z|tar|tgz|gz|bz2|xz|zst|lz|lzma|cab|jar|apk|iso)$/i;
/** Files that archivers add on their own and that are never part of a model. */
const JUNK = /(^|\/)(__MACOSX\/|\._|\.DS_Store$|Thumbs\.db$|desktop\.ini$)/i;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const HOST_UNIX = 3;

const unsafe = (message: string) => new RenderbayError('unsafe_archive', message);

/**
 * Why an entry name is unsafe, or null. The name is the decoded central-directory name;
 * anything that could resolve outside the extraction folder on any platform is refused.
 */
export function unsafeEntryName(name: string, maxLength: number = DEFAULTS.maxNameLength): string | null {
  if (name.length === 0) return 'an empty name';
  if (name.length > maxLength) return `a name longer than ${maxLength} characters`;
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'control characters in its name';
  if (name.includes('\\')) return 'a backslash in its name';
  if (name.startsWith('/')) return 'an absolute path';
  if (/^[a-zA-Z]:/.test(name) || name.includes(':')) return 'a drive letter or colon in its name';
  const segments = name.replace(/\/$/, '').split('/');
  if (segments.some((segment) => segment === '..')) return 'a ".." path segment';
  if (segments.some((segment) => segment === '' || segment === '.')) return 'an empty or "." path segment';
  return null;
}

function entryMode(entry: yauzl.Entry): number {
  return (entry.externalFileAttributes >>> 16) & 0xffff;
}

function isDirectory(entry: yauzl.Entry): boolean {
  return entry.fileName.endsWith('/') || (entry.versionMadeBy >> 8 === HOST_UNIX && (entryMode(entry) & S_IFMT) === S_IFDIR);
}

/** Refuses symlinks and any other non-regular file a Unix archiver recorded. */
function unsafeEntryType(entry: yauzl.Entry): string | null {
  if (entry.versionMadeBy >> 8 !== HOST_UNIX) return null; // DOS/NTFS attributes carry no file type
  const type = entryMode(entry) & S_IFMT;
  if (type === 0 || type === S_IFREG || type === S_IFDIR) return null;
  return type === S_IFLNK ? 'a symbolic link' : 'a special file (device, FIFO or socket)';
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    // decodeStrings: names are decoded (UTF-8 flag or CP437) and yauzl itself already refuses
    // absolute and `..` paths; strictFileNames keeps backslashes so they are refused, not rewritten.
    yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: true, strictFileNames: true, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) reject(translateYauzlError(error ?? new Error('no zip')));
      else resolve(zip);
    });
  });
}

/** yauzl's own name checks become `unsafe_archive`; anything else means the zip is unreadable. */
function translateYauzlError(error: Error): RenderbayError {
  const nameProblem = /^(absolute path|invalid relative path|invalid characters in fileName): (.*)$/s.exec(error.message);
  if (nameProblem) {
    const name = nameProblem[2];
    return unsafe(`The archive contains an unsafe entry ${JSON.stringify(name)} (${unsafeEntryName(name, Infinity) ?? nameProblem[1]}); nothing was extracted`);
  }
  return new RenderbayError('invalid_format', `The .zip file cannot be read: ${error.message}`);
}

function readAllEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(entries));
    zip.once('error', (error: Error) => reject(translateYauzlError(error)));
    zip.readEntry();
  });
}

function openEntryStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => (error || !stream ? reject(translateYauzlError(error ?? new Error('no stream'))) : resolve(stream)));
  });
}

/**
 * Checks the whole central directory; returns the file entries worth extracting. The entry
 * count is checked before (`zip.entryCount`): yauzl reads exactly that many entries.
 */
function checkEntries(entries: yauzl.Entry[], options: ArchiveOptions): yauzl.Entry[] {
  const files: yauzl.Entry[] = [];
  const seen = new Set<string>();
  let declaredTotal = 0;
  for (const entry of entries) {
    const name = entry.fileName;
    const badName = unsafeEntryName(name, options.maxNameLength);
    if (badName) throw unsafe(`The archive contains an unsafe entry ${JSON.stringify(name)} (${badName}); nothing was extracted`);
    const badType = unsafeEntryType(entry);
    if (badType) throw unsafe(`The archive entry ${JSON.stringify(name)} is ${badType}; only regular files are accepted`);
    if (isDirectory(entry) || JUNK.test(name)) continue;
    if (entry.isEncrypted()) throw new RenderbayError('invalid_format', `The archive entry ${JSON.stringify(name)} is encrypted; upload an unencrypted .zip`);
    if (NESTED_ARCHIVE.test(name)) throw unsafe(`The archive contains another archive (${JSON.stringify(name)}); nested archives are not unpacked`);
    const key = name.toLowerCase();
    if (seen.has(key)) throw unsafe(`The archive contains ${JSON.stringify(name)} more than once`);
    seen.add(key);
    declaredTotal += entry.uncompressedSize;
    if (declaredTotal > options.maxUncompressedBytes) throw expandsTooFar(options);
    checkRatio(name, entry.uncompressedSize, entry.compressedSize, options);
    files.push(entry);
  }
  return files;
}

function checkRatio(name: string, uncompressed: number, compressed: number, options: ArchiveOptions): void {
  if (uncompressed < options.ratioFloorBytes) return;
  const ratio = uncompressed / Math.max(1, compressed);
  if (ratio > options.maxCompressionRatio) {
    throw unsafe(`The archive entry ${JSON.stringify(name)} expands ${Math.round(ratio)}× (a zip bomb?); the limit is ${options.maxCompressionRatio}×`);
  }
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

/** The archive's entries (declared, or actually inflated) add up to more than the cap. */
const expandsTooFar = (options: ArchiveOptions) =>
  unsafe(`The archive expands to more than ${mb(options.maxUncompressedBytes)} (a zip bomb?); the limit is ${mb(options.maxUncompressedBytes)}`);

/** Counts inflated bytes and stops the stream the moment a cap is passed. */
function byteCap(name: string, compressedSize: number, budget: { remaining: number }, options: ArchiveOptions): Transform {
  let produced = 0;
  let sniffed = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (!sniffed && chunk.length > 0) {
        sniffed = true;
        if (chunk.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
          callback(unsafe(`The archive entry ${JSON.stringify(name)} is itself a zip archive; nested archives are not unpacked`));
          return;
        }
      }
      produced += chunk.length;
      budget.remaining -= chunk.length;
      if (budget.remaining < 0) {
        callback(expandsTooFar(options));
        return;
      }
      try {
        checkRatio(name, produced, compressedSize, options);
      } catch (error) {
        callback(error as Error);
        return;
      }
      callback(null, chunk);
    },
  });
}

/**
 * Extracts every regular file of the archive into `directory` (which must exist and be
 * private to the caller). Returns the files in archive order.
 */
export async function extractArchive(archivePath: string, directory: string, options: Partial<ArchiveOptions> = {}): Promise<ExtractedFile[]> {
  const settings: ArchiveOptions = { ...DEFAULTS, ...options };
  const zip = await openZip(archivePath);
  try {
    if (zip.entryCount > settings.maxEntries) throw unsafe(`The archive lists ${zip.entryCount} entries; the limit is ${settings.maxEntries}`);
    const entries = checkEntries(await readAllEntries(zip), settings);
    const root = path.resolve(directory);
    const budget = { remaining: settings.maxUncompressedBytes };
    const extracted: ExtractedFile[] = [];
    for (const entry of entries) {
      const target = path.resolve(root, ...entry.fileName.split('/'));
      // Belt and braces: the name checks above already make this impossible.
      if (path.relative(root, target).startsWith('..') || path.isAbsolute(path.relative(root, target))) {
        throw unsafe(`The archive entry ${JSON.stringify(entry.fileName)} would land outside the extraction folder`);
      }
      await mkdir(path.dirname(target), { recursive: true });
      const input = await openEntryStream(zip, entry);
      const output = createWriteStream(target, { flags: 'wx', mode: 0o600 });
      try {
        await pipeline(input, byteCap(entry.fileName, entry.compressedSize, budget, settings), output);
      } catch (error) {
        if (error instanceof RenderbayError) throw error;
        const message = (error as Error).message;
        if (/too many bytes/.test(message)) {
          throw unsafe(`The archive entry ${JSON.stringify(entry.fileName)} expands to more than the ${entry.uncompressedSize} bytes its header declares (a zip bomb?)`);
        }
        throw new RenderbayError('invalid_format', `The archive entry ${JSON.stringify(entry.fileName)} cannot be extracted: ${message}`);
      }
      extracted.push({ name: entry.fileName, path: target, bytes: output.bytesWritten });
    }
    return extracted;
  } finally {
    zip.close();
  }
}
