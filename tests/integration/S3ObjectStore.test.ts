import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Client } from '@aws-sdk/client-s3';
import { MIN_PART_BYTES, S3ObjectStore } from '../../src/adapters/s3/S3ObjectStore.ts';
import { startLocalS3, type LocalS3 } from '../support/localS3.ts';

// A real S3 peer (s3rver): the adapter's requests go over HTTP through the SDK, and each is recorded.
const BUCKET = 'jobs-adapter-test';
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e';
const sse = { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ARN, BucketKeyEnabled: true };
let s3: LocalS3;
let store: S3ObjectStore;

beforeAll(async () => {
  s3 = await startLocalS3();
  await s3.createBucket(BUCKET);
  store = new S3ObjectStore(s3.client);
});
afterAll(() => s3.stop());

const line = (i: number) => `${JSON.stringify({ i, pad: 'x'.repeat(990) })}\n`; // ~1 KiB
const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => line(from + k)).join('');

describe('S3ObjectStore (s3rver)', () => {
  it('writes a small output with one encrypted PutObject, and streams it back from an offset', async () => {
    s3.requests.length = 0;
    const writer = (await store.writer({ bucket: BUCKET, key: 'rejects/t1/small.ndjson' }, { contentType: 'application/x-ndjson', kmsKeyId: KEY_ARN }))!;
    await writer.write('{"line":2}\n');
    await writer.write('{"line":5}\n');
    await writer.close();
    expect(s3.requests).toEqual([
      { command: 'PutObjectCommand', input: { Bucket: BUCKET, Key: 'rejects/t1/small.ndjson', Body: '{"line":2}\n{"line":5}\n', ContentType: 'application/x-ndjson', ChecksumAlgorithm: 'CRC32', ...sse } },
    ]);
    const tail = await store.read({ bucket: BUCKET, key: 'rejects/t1/small.ndjson' }, 11);
    expect(Buffer.concat(await tail!.toArray()).toString()).toBe('{"line":5}\n');
    expect(await store.read({ bucket: BUCKET, key: 'rejects/t1/none.ndjson' })).toBeUndefined();
    expect(await store.size({ bucket: BUCKET, key: 'rejects/t1/small.ndjson' })).toBe(22);
  });

  it('streams a large output as a multipart upload (parts of the part size, one in flight), encrypted and checksummed', async () => {
    s3.requests.length = 0;
    const key = 'exports/t1/large.ndjson';
    const writer = (await store.writer({ bucket: BUCKET, key }, { contentType: 'application/x-ndjson', kmsKeyId: KEY_ARN, partBytes: MIN_PART_BYTES }))!;
    const expected = lines(0, 12_000); // ~12 MiB: two full parts and a last one
    for (let i = 0; i < 12_000; i++) await writer.write(line(i));
    await writer.close();
    expect(await s3.text(BUCKET, key)).toBe(expected);

    const sent = s3.requests.filter((r) => r.command !== 'GetObjectCommand');
    expect(sent.map((r) => r.command)).toEqual(['CreateMultipartUploadCommand', 'UploadPartCommand', 'UploadPartCommand', 'UploadPartCommand', 'CompleteMultipartUploadCommand']);
    expect(sent[0]!.input).toEqual({ Bucket: BUCKET, Key: key, ContentType: 'application/x-ndjson', ChecksumAlgorithm: 'CRC32', ...sse });
    const uploadId = sent[1]!.input['UploadId'];
    expect(typeof uploadId).toBe('string');
    const parts = sent.slice(1, 4).map((r) => ({ n: r.input['PartNumber'], bytes: String(r.input['Body']).length, algorithm: r.input['ChecksumAlgorithm'], uploadId: r.input['UploadId'] }));
    expect(parts.map((p) => p.n)).toEqual([1, 2, 3]);
    expect(parts.every((p) => p.algorithm === 'CRC32' && p.uploadId === uploadId)).toBe(true);
    expect(parts[0]!.bytes).toBeGreaterThanOrEqual(MIN_PART_BYTES);
    expect(parts[0]!.bytes).toBeLessThan(MIN_PART_BYTES + 1100);
    expect(parts.reduce((n, p) => n + p.bytes, 0)).toBe(Buffer.byteLength(expected));
    expect(sent[4]!.input).toMatchObject({ Bucket: BUCKET, Key: key, UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1 }, { PartNumber: 2 }, { PartNumber: 3 }] } });
  });

  it('keeps the first bytes of an earlier output and appends to them (a resumed job)', async () => {
    const small = { bucket: BUCKET, key: 'rejects/t1/resumed.ndjson' };
    await s3.put(small.bucket, small.key, lines(0, 3) + 'written after the checkpoint\n');
    s3.requests.length = 0;
    const kept = Buffer.byteLength(lines(0, 3));
    const writer = (await store.writer(small, { contentType: 'application/x-ndjson', keepBytes: kept }))!;
    await writer.write(line(3));
    await writer.close();
    expect(s3.requests.map((r) => r.command)).toEqual(['HeadObjectCommand', 'GetObjectCommand', 'PutObjectCommand']);
    expect(await s3.text(small.bucket, small.key)).toBe(lines(0, 4));

    // An output shorter than the checkpoint says (an upload a crash left incomplete) is not kept.
    expect(await store.writer(small, { contentType: 'application/x-ndjson', keepBytes: 10_000_000 })).toBeUndefined();
    expect(await store.writer({ bucket: BUCKET, key: 'rejects/t1/never.ndjson' }, { contentType: 'application/x-ndjson', keepBytes: 1 })).toBeUndefined();
  });

});

// s3rver implements neither UploadPartCopy with a range nor AbortMultipartUpload: these two are
// checked against a recording client, by the exact requests.
describe('S3ObjectStore (requests without a peer)', () => {
  const recording = (answers: Record<string, unknown>) => {
    const sent: { command: string; input: Record<string, unknown> }[] = [];
    const client = { send: (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ command: command.constructor.name, input: command.input });
      return Promise.resolve(answers[command.constructor.name] ?? {});
    } } as unknown as S3Client;
    return { sent, store: new S3ObjectStore(client) };
  };

  it('copies a kept output of 5 MiB or more inside S3 (UploadPartCopy of the byte range), then appends', async () => {
    const keep = 12 * 1024 * 1024 + 5;
    const { sent, store: s } = recording({
      HeadObjectCommand: { ContentLength: keep + 100 },
      CreateMultipartUploadCommand: { UploadId: 'u-1' },
      UploadPartCopyCommand: { CopyPartResult: { ETag: '"c1"', ChecksumCRC32: 'AAAAAA==' } },
      UploadPartCommand: { ETag: '"p2"', ChecksumCRC32: 'BBBBBB==' },
    });
    const location = { bucket: 'jobs', key: 'exports/t1/big file.ndjson' };
    const writer = (await s.writer(location, { contentType: 'application/x-ndjson', kmsKeyId: KEY_ARN, keepBytes: keep }))!;
    await writer.write('{"more":1}\n');
    await writer.close();
    expect(sent).toEqual([
      { command: 'HeadObjectCommand', input: { Bucket: 'jobs', Key: location.key } },
      { command: 'CreateMultipartUploadCommand', input: { Bucket: 'jobs', Key: location.key, ContentType: 'application/x-ndjson', ChecksumAlgorithm: 'CRC32', ...sse } },
      { command: 'UploadPartCopyCommand', input: { Bucket: 'jobs', Key: location.key, UploadId: 'u-1', PartNumber: 1, CopySource: 'jobs/exports/t1/big%20file.ndjson', CopySourceRange: `bytes=0-${keep - 1}` } },
      { command: 'UploadPartCommand', input: { Bucket: 'jobs', Key: location.key, UploadId: 'u-1', PartNumber: 2, Body: Buffer.from('{"more":1}\n'), ChecksumAlgorithm: 'CRC32' } },
      {
        command: 'CompleteMultipartUploadCommand',
        input: { Bucket: 'jobs', Key: location.key, UploadId: 'u-1', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"c1"', ChecksumCRC32: 'AAAAAA==' }, { PartNumber: 2, ETag: '"p2"', ChecksumCRC32: 'BBBBBB==' }] } },
      },
    ]);
    expect(writer.bytes).toBe(keep + 11);
  });

  it('aborts its multipart upload when the job gives up its output', async () => {
    const { sent, store: s } = recording({ CreateMultipartUploadCommand: { UploadId: 'u-2' }, UploadPartCommand: { ETag: '"p1"' } });
    const writer = (await s.writer({ bucket: 'jobs', key: 'rejects/t1/x.ndjson' }, { contentType: 'application/x-ndjson', partBytes: MIN_PART_BYTES }))!;
    await writer.write('x'.repeat(MIN_PART_BYTES));
    await writer.abort();
    expect(sent.map((r) => r.command)).toEqual(['CreateMultipartUploadCommand', 'UploadPartCommand', 'AbortMultipartUploadCommand']);
    expect(sent[2]!.input).toEqual({ Bucket: 'jobs', Key: 'rejects/t1/x.ndjson', UploadId: 'u-2' });
  });
});
