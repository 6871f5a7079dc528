/**
 * The farm's object store on any S3-compatible service through @aws-sdk/client-s3.
 * Endpoint, region and credentials come from the standard AWS variables the SDK reads
 * (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY). Two settings the SDK does not take from the environment:
 * - AWS_S3_FORCE_PATH_STYLE=1 → path-style addressing (MinIO, Ceph and most self-hosted stores);
 * - with a custom endpoint, checksums only WHEN_REQUIRED: since 3.729 the SDK otherwise sends
 *   CRC32 trailers and aws-chunked uploads that many S3-compatible servers reject.
 * Objects are `<prefix>/<sha256>`.
 */
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { RenderbayError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { assertObjectKey, downloadVia, isObjectKey, type ObjectStore, type StoredObject } from './object-store.js';

export class S3ObjectStore implements ObjectStore {
  readonly description: string;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {
    this.description = `s3://${bucket}/${prefix}`;
  }

  /** `s3://bucket/prefix` with the client configured from the environment. */
  static fromUrl(url: string, env: NodeJS.ProcessEnv = process.env): S3ObjectStore {
    const parsed = new URL(url);
    if (!parsed.hostname) throw new RenderbayError('invalid_request', `--store s3://… needs a bucket name (got "${url}")`);
    return new S3ObjectStore(new S3Client(s3ClientConfig(env)), parsed.hostname, parsed.pathname.replace(/^\/+|\/+$/g, ''));
  }

  private objectName(key: string): string {
    assertObjectKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  async sizeOf(key: string): Promise<number | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectName(key) }));
      return head.ContentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw unavailable(error);
    }
  }

  async put(key: string, file: string): Promise<void> {
    // The file is opened here, before the request, and read through that descriptor. A stream
    // that opened the path itself would fail later, with nobody listening yet, when the file
    // went away meanwhile (a worker's pass aborted while its early poster uploaded): an
    // unhandled 'error' event that killed the worker. Now a missing file rejects this call,
    // and one removed after the open is still read whole.
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const body = handle.createReadStream({ autoClose: false });
      const readFailed = new AbortController();
      body.on('error', (error) => readFailed.abort(error)); // a read error fails the request rather than stalling it
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: this.objectName(key), Body: body, ContentLength: size, ContentType: 'application/octet-stream' }),
        { abortSignal: readFailed.signal },
      );
    } catch (error) {
      throw unavailable(error);
    } finally {
      await handle.close();
    }
  }

  async download(key: string, destination: string): Promise<void> {
    await downloadVia(await this.read(key), destination);
  }

  async read(key: string, range?: { start: number; end: number }): Promise<Readable> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.objectName(key), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
      );
      return object.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) throw new RenderbayError('file_not_found', `object ${key} is not in the store`, 404);
      throw unavailable(error);
    }
  }

  async remove(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectName(key) }));
    } catch (error) {
      if (!isNotFound(error)) throw unavailable(error);
    }
  }

  async *list(): AsyncIterable<StoredObject> {
    let token: string | undefined;
    do {
      const page = await this.client
        .send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix ? `${this.prefix}/` : undefined, ContinuationToken: token }))
        .catch((error: unknown) => {
          throw unavailable(error);
        });
      for (const object of page.Contents ?? []) {
        const key = (object.Key ?? '').slice(this.prefix ? this.prefix.length + 1 : 0);
        if (isObjectKey(key)) yield { key, size: object.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * A presigned GET (SigV4 in the query string) of the object, valid `seconds`, answered with
   * `contentType` (the store keeps every object as application/octet-stream). Signed locally:
   * no request to the store.
   */
  async presignedUrl(key: string, seconds: number, contentType: string): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: this.objectName(key), ResponseContentType: contentType }), { expiresIn: seconds });
  }

  close(): void {
    this.client.destroy();
  }
}

/** The client settings the environment implies (see the top of this file). */
export function s3ClientConfig(env: NodeJS.ProcessEnv): S3ClientConfig {
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: ['1', 'true', 'yes'].includes((env.AWS_S3_FORCE_PATH_STYLE ?? '').toLowerCase()),
    ...(endpoint ? { endpoint, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
    // Bounded: an unreachable store fails a pass within seconds (the SDK retries 3 times), never hangs it.
    maxAttempts: 3,
    requestHandler: { connectionTimeout: LIMITS.storeConnectTimeoutMs, requestTimeout: LIMITS.storeRequestTimeoutMs },
  };
}

function isNotFound(error: unknown): boolean {
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return name === 'NotFound' || name === 'NoSuchKey' || $metadata?.httpStatusCode === 404;
}

function unavailable(error: unknown): RenderbayError {
  if (error instanceof RenderbayError) return error;
  return new RenderbayError('store_unavailable', `The object store failed: ${(error as Error).name ?? 'Error'}: ${(error as Error).message}`, 503);
}

