import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { S3Location } from '../../domain/ports.ts';
import { awsClientConfig, instrumented, type AwsClientOptions } from '../aws/clientConfig.ts';

/** `endpoint`: a local S3 (tests, `npm start`: s3rver), with path-style requests and the placeholder credentials s3rver accepts. Unset in AWS. */
export type S3ClientOptions = Pick<AwsClientOptions, 'region' | 'endpoint'>;

export function createS3Client(options: S3ClientOptions): S3Client {
  return instrumented(
    new S3Client({
      ...awsClientConfig(options),
      ...(options.endpoint && { forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }),
    }),
  );
}

/** S3 accepts no part but the last under 5 MiB. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/** Parts are uploaded at this size (one uploading, one filling: the writer holds at most twice this). */
const DEFAULT_PART_BYTES = 8 * 1024 * 1024;
/** A resumed output's earlier bytes are copied inside S3 in parts of at most this size. */
const COPY_PART_BYTES = 1024 * 1024 * 1024;

export interface S3WriteOptions {
  readonly contentType: string;
  /** The KMS key to encrypt with (`aws:kms`); unset: the bucket's default encryption (a local S3). */
  readonly kmsKeyId?: string | undefined;
  readonly partBytes?: number;
}

/**
 * Objects in S3 for the worker: streamed reads (GetObject's body, from a byte offset on) and
 * streamed writes (multipart upload, memory bounded by the part size). Every request encrypts
 * with the platform key when one is configured and carries CRC32 checksums.
 */
export class S3ObjectStore {
  private readonly client: S3Client;

  constructor(client: S3Client) {
    this.client = client;
  }

  /** The object's bytes from `start` on, as a stream; `undefined` when there is no such object. */
  async read(location: S3Location, start = 0): Promise<Readable | undefined> {
    try {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key, ...(start > 0 && { Range: `bytes=${start}-` }) }));
      return Body as Readable;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The object's size in bytes; `undefined` when there is no such object. */
  async size(location: S3Location): Promise<number | undefined> {
    try {
      return (await this.client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }))).ContentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * A writer that replaces the object with the first `keepBytes` of its current content followed
   * by what is written, once closed. `undefined` when the object holds fewer than `keepBytes`
   * (an upload that never completed: the caller starts its output over).
   */
  async writer(location: S3Location, options: S3WriteOptions & { keepBytes?: number }): Promise<S3ObjectWriter | undefined> {
    const keep = options.keepBytes ?? 0;
    const writer = new S3ObjectWriter(this.client, location, options);
    if (keep === 0) return writer;
    const size = await this.size(location);
    if (size === undefined || size < keep) return undefined;
    if (keep < MIN_PART_BYTES) {
      // Too small to be a part of its own: read it back into the first part.
      const body = await this.read(location);
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of body ?? []) {
        const buffer = Buffer.from(chunk as Uint8Array);
        chunks.push(buffer.subarray(0, Math.max(0, keep - total)));
        total += buffer.length;
        if (total >= keep) break;
      }
      body?.destroy();
      await writer.write(Buffer.concat(chunks));
    } else {
      await writer.copyFrom(location, keep);
    }
    return writer;
  }
}

/**
 * One object written as a stream. Up to one part is in flight while the next fills; an output
 * that stays under one part is a single PutObject. `close()` makes the object exist (complete the
 * upload); `abort()` drops this writer's upload.
 */
export class S3ObjectWriter {
  private readonly client: S3Client;
  private readonly location: S3Location;
  private readonly options: S3WriteOptions;
  private readonly partBytes: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private uploadId: string | undefined;
  private readonly parts: CompletedPart[] = [];
  private inFlight: Promise<void> = Promise.resolve();
  /** Bytes the object will hold (copied, uploaded and buffered). */
  bytes = 0;

  constructor(client: S3Client, location: S3Location, options: S3WriteOptions) {
    this.client = client;
    this.location = location;
    this.options = options;
    this.partBytes = Math.max(MIN_PART_BYTES, options.partBytes ?? DEFAULT_PART_BYTES);
  }

  private get encryption() {
    return this.options.kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: this.options.kmsKeyId, BucketKeyEnabled: true } : {};
  }

  private async start(): Promise<string> {
    this.uploadId ??= (
      await this.client.send(
        new CreateMultipartUploadCommand({ Bucket: this.location.bucket, Key: this.location.key, ContentType: this.options.contentType, ChecksumAlgorithm: 'CRC32', ...this.encryption }),
      )
    ).UploadId;
    if (!this.uploadId) throw new Error(`S3 returned no UploadId for s3://${this.location.bucket}/${this.location.key}`);
    return this.uploadId;
  }

  /** The first `bytes` of `source` as the first parts, copied inside S3 (each part ≥ 5 MiB). */
  async copyFrom(source: S3Location, bytes: number): Promise<void> {
    const uploadId = await this.start();
    for (let from = 0; from < bytes; ) {
      let to = Math.min(from + COPY_PART_BYTES, bytes);
      if (bytes - to < MIN_PART_BYTES) to = bytes;
      const PartNumber = this.parts.length + 1;
      const { CopyPartResult } = await this.client.send(
        new UploadPartCopyCommand({
          Bucket: this.location.bucket,
          Key: this.location.key,
          UploadId: uploadId,
          PartNumber,
          CopySource: `${source.bucket}/${encodeURIComponent(source.key).replaceAll('%2F', '/')}`,
          CopySourceRange: `bytes=${from}-${to - 1}`,
        }),
      );
      this.parts.push({ PartNumber, ETag: CopyPartResult?.ETag, ...(CopyPartResult?.ChecksumCRC32 && { ChecksumCRC32: CopyPartResult.ChecksumCRC32 }) });
      this.bytes += to - from;
      from = to;
    }
  }

  /** Buffers `data`; once a part's worth is buffered, waits for the previous part and sends this one. */
  async write(data: string | Buffer): Promise<void> {
    const buffer = typeof data === 'string' ? Buffer.from(data) : data;
    if (buffer.length === 0) return;
    this.chunks.push(buffer);
    this.buffered += buffer.length;
    this.bytes += buffer.length;
    if (this.buffered >= this.partBytes) await this.sendPart();
  }

  private async sendPart(): Promise<void> {
    const body = Buffer.concat(this.chunks);
    this.chunks = [];
    this.buffered = 0;
    await this.inFlight;
    const uploadId = await this.start();
    const PartNumber = this.parts.length + 1;
    const slot: CompletedPart = { PartNumber };
    this.parts.push(slot);
    this.inFlight = this.client
      .send(new UploadPartCommand({ Bucket: this.location.bucket, Key: this.location.key, UploadId: uploadId, PartNumber, Body: body, ChecksumAlgorithm: 'CRC32' }))
      .then(({ ETag, ChecksumCRC32 }) => {
        slot.ETag = ETag;
        if (ChecksumCRC32) slot.ChecksumCRC32 = ChecksumCRC32;
      });
    // A failed part surfaces at the next write or at close; keep it from being unhandled meanwhile.
    this.inFlight.catch(() => undefined);
  }

  /** Sends what is buffered and makes the object exist with everything written. */
  async close(): Promise<void> {
    if (this.uploadId === undefined) {
      const body = Buffer.concat(this.chunks);
      this.chunks = [];
      await this.client.send(
        new PutObjectCommand({ Bucket: this.location.bucket, Key: this.location.key, Body: body, ContentType: this.options.contentType, ChecksumAlgorithm: 'CRC32', ...this.encryption }),
      );
      return;
    }
    if (this.buffered > 0) await this.sendPart();
    await this.inFlight;
    await this.client.send(
      new CompleteMultipartUploadCommand({ Bucket: this.location.bucket, Key: this.location.key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts } }),
    );
  }

  /** Drops this writer's upload (nothing it wrote becomes visible). */
  async abort(): Promise<void> {
    await this.inFlight.catch(() => undefined);
    if (this.uploadId === undefined) return;
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.location.bucket, Key: this.location.key, UploadId: this.uploadId }));
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}
