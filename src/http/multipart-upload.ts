/**
 * Receives a multipart/form-data upload (a model, an overlay) straight to a temp file while
 * hashing it, so a 100 MB model never sits in memory and its SHA-256 (the store's key) is
 * known the moment the last byte lands. The temp file lives in `directory`, inside the data
 * dir, so the caller's rename into the content-addressed store is atomic.
 *
 * Rules, all enforced while the body streams in:
 * - exactly one file, in `fileField`; any other file part is refused (`invalid_request`) so a
 *   body cannot carry unbounded data in parts we would only skip. A `fileField` part with an
 *   empty filename (an empty browser file input) counts as no file.
 * - `no_file` is decided only once the whole body is read, so field errors win consistently.
 * - text fields: at most `maxFields`, each at most `maxFieldBytes`, each name at most once.
 *
 * Every failure deletes the temp file before the promise rejects: nothing is left behind.
 *
 * Oversize (and every other early failure): the promise rejects at once, so the server can
 * answer 400 right away, and the rest of the body is read and thrown away rather than left
 * unread. Closing a socket that still has unread incoming data makes the kernel send a TCP
 * reset, which can destroy the 400 before the client reads it; draining avoids that and keeps
 * the connection reusable. The drain is bounded (`LIMITS.uploadDiscardBytes` and
 * `uploadDiscardMs`); a client that keeps sending past that has its socket destroyed.
 *
 * @example
 * const upload = await receiveUpload(request, {
 *   directory: tmpDir, fileField: 'file', maxFileBytes: LIMITS.maxModelBytes,
 *   maxFieldBytes: LIMITS.uploadFieldBytes, maxFields: LIMITS.uploadFields,
 * });
 */
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import busboy from 'busboy';
import { RenderbayError } from '../errors.js';
import { LIMITS } from '../limits.js';

export interface UploadOptions {
  /** Temp files are created here; keep it on the data dir's file system. */
  directory: string;
  /** The form field that carries the file, e.g. 'file'. */
  fileField: string;
  /** Largest file accepted, checked while streaming. */
  maxFileBytes: number;
  /** Largest value of one text field. */
  maxFieldBytes: number;
  /** Most text fields accepted. */
  maxFields: number;
}

export interface UploadedFile {
  /** The temp file; the caller moves it into the store or deletes it. */
  path: string;
  bytes: number;
  /** Lowercase hex. */
  sha256: string;
  /** The client's file name, without any directory part. */
  filename: string;
  mimeType: string;
}

export interface ParsedUpload {
  file: UploadedFile | null;
  fields: Record<string, string>;
}

/** Per-part header allowance used to bound the whole body (busboy caps part headers at 16 KiB). */
const PART_OVERHEAD_BYTES = 16 * 1024;

interface TempFile {
  path: string;
  out: WriteStream;
  hash: Hash;
  bytes: number;
  filename: string;
  mimeType: string;
}

export async function receiveUpload(request: IncomingMessage, options: UploadOptions): Promise<ParsedUpload> {
  const contentType = request.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) {
    discardRest(request);
    throw invalidRequest(`expected multipart/form-data with a "${options.fileField}" part, got "${contentType || 'no Content-Type'}"`);
  }
  // Parts headers and the boundary lines add a little to the fields and the file.
  const maxBodyBytes = options.maxFileBytes + (options.maxFields + 2) * (options.maxFieldBytes + PART_OVERHEAD_BYTES);
  const declaredLength = Number(request.headers['content-length']);
  if (declaredLength > maxBodyBytes) {
    discardRest(request);
    throw fileTooLarge(options.maxFileBytes);
  }

  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: request.headers,
      limits: {
        // One past each limit: busboy flags a value that merely reaches its limit as truncated.
        fileSize: options.maxFileBytes + 1,
        fieldSize: options.maxFieldBytes + 1,
        fields: options.maxFields,
        parts: options.maxFields + 2,
      },
    });
  } catch (error) {
    discardRest(request);
    throw invalidRequest(`malformed multipart/form-data: ${(error as Error).message}`);
  }

  return new Promise<ParsedUpload>((resolve, reject) => {
    const fields = new Map<string, string>();
    let temp: TempFile | null = null;
    let fileParts = 0;
    let receivedBytes = 0;
    let settled = false;

    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      request.unpipe(parser);
      discardRest(request);
      const cleanup = temp ? removeTempFile(temp) : Promise.resolve();
      void cleanup.then(() => reject(error));
    };

    parser.on('file', (name, file, info) => {
      file.on('error', (error) => fail(invalidRequest(`malformed multipart/form-data: ${error.message}`)));
      file.on('limit', () => fail(fileTooLarge(options.maxFileBytes)));
      fileParts += 1;
      if (settled || name !== options.fileField || fileParts > 1) {
        file.resume();
        fail(invalidRequest(`only one file may be uploaded, in the "${options.fileField}" field (got a file in "${name}")`));
        return;
      }
      // busboy reports an empty filename as undefined despite its types.
      const filename = info.filename ?? '';
      if (filename === '') {
        file.resume(); // an empty file input; the 'limit' listener still bounds it
        return;
      }
      const current = startTempFile(options.directory, filename, info.mimeType);
      temp = current;
      current.out.on('error', fail);
      file.on('data', (chunk: Buffer) => {
        if (settled) return;
        current.bytes += chunk.length;
        if (current.bytes > options.maxFileBytes) return fail(fileTooLarge(options.maxFileBytes));
        current.hash.update(chunk);
        if (!current.out.write(chunk)) {
          file.pause();
          current.out.once('drain', () => file.resume());
        }
      });
      file.on('end', () => {
        if (!settled) current.out.end();
      });
    });

    parser.on('field', (name, value, info) => {
      if (settled) return;
      // A file field sent as text is what an empty file input can look like: no file.
      if (name === options.fileField) return;
      if (info.valueTruncated) {
        return fail(invalidRequest(`field "${name}" is longer than ${formatSize(options.maxFieldBytes)}`));
      }
      if (fields.has(name)) return fail(invalidRequest(`field "${name}" is given more than once`));
      fields.set(name, value);
    });
    parser.on('fieldsLimit', () => fail(invalidRequest(`too many form fields: at most ${options.maxFields} are allowed`)));
    parser.on('partsLimit', () => fail(invalidRequest(`too many form parts: at most ${options.maxFields + 1} are allowed`)));
    parser.on('error', (error: Error) => fail(invalidRequest(`malformed multipart/form-data: ${error.message}`)));

    parser.on('finish', () => {
      if (settled) return;
      const written = temp ? finished(temp.out) : Promise.resolve();
      written.then(() => {
        if (settled) return;
        if (!temp) {
          fail(new RenderbayError('no_file', `No file uploaded: send it as the "${options.fileField}" part`, 400));
          return;
        }
        settled = true;
        resolve({
          file: {
            path: temp.path,
            bytes: temp.bytes,
            sha256: temp.hash.digest('hex'),
            filename: temp.filename,
            mimeType: temp.mimeType,
          },
          fields: Object.fromEntries(fields),
        });
      }, fail);
    });

    const aborted = (): void => fail(invalidRequest('upload aborted: the request body ended early'));
    request.on('error', aborted);
    request.on('close', () => {
      if (!request.complete) aborted();
    });
    request.on('data', (chunk: Buffer) => {
      receivedBytes += chunk.length;
      if (receivedBytes > maxBodyBytes) fail(fileTooLarge(options.maxFileBytes));
    });
    request.pipe(parser);
  });
}

function startTempFile(directory: string, filename: string, mimeType: string): TempFile {
  const tempPath = path.join(directory, `.upload-${randomUUID()}.part`);
  return {
    path: tempPath,
    out: createWriteStream(tempPath, { flags: 'wx' }),
    hash: createHash('sha256'),
    bytes: 0,
    filename,
    mimeType,
  };
}

/** Closes the write stream (it may still be opening) and deletes the file; never rejects. */
async function removeTempFile(temp: TempFile): Promise<void> {
  if (!temp.out.closed) {
    const closed = new Promise<void>((resolve) => temp.out.once('close', () => resolve()));
    temp.out.destroy();
    await closed;
  }
  await rm(temp.path, { force: true }).catch(() => undefined);
}

/** Reads and drops what is left of the body, within bounds (see the module comment). */
function discardRest(request: IncomingMessage): void {
  if (request.complete || request.destroyed) return;
  let discardedBytes = 0;
  const deadline = setTimeout(() => request.destroy(), LIMITS.uploadDiscardMs);
  deadline.unref();
  request.once('close', () => clearTimeout(deadline));
  request.on('error', () => undefined); // an abort during the drain is expected, not a crash
  request.on('data', (chunk: Buffer) => {
    discardedBytes += chunk.length;
    if (discardedBytes > LIMITS.uploadDiscardBytes) request.destroy();
  });
  request.resume();
}

function invalidRequest(message: string): RenderbayError {
  return new RenderbayError('invalid_request', message, 400);
}

function fileTooLarge(maxFileBytes: number): RenderbayError {
  return new RenderbayError('file_too_large', `File is larger than the ${formatSize(maxFileBytes)} limit`, 400);
}

/** 100 MiB → "100 MB", 64 KiB → "64 KB", as the reference and users write sizes. */
function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(2))} MB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(2))} KB`;
  return `${bytes} bytes`;
}
