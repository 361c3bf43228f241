import { createReadStream } from 'node:fs';
import { open, stat, truncate, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { parseS3Uri } from '../domain/jobRequest.ts';
import type { S3ObjectStore } from '../adapters/s3/S3ObjectStore.ts';

/** What a job writes to (an export, a rejects file): appended to, then closed or aborted. */
export interface JobOutput {
  /** Bytes the output holds (kept from an earlier run and written since). */
  readonly bytes: number;
  write(text: string): Promise<void>;
  /** Makes everything written durable (S3: completes the upload). */
  close(): Promise<void>;
  /** Gives up this run's writes where that is possible (S3: aborts the upload); a local file is closed as it is. */
  abort(): Promise<void>;
}

/**
 * The worker's inputs and outputs by location: a local path, or `s3://bucket/key` (with an S3
 * store configured). Reads stream; outputs keep a resumed job's earlier bytes and append.
 */
export interface JobFiles {
  read(location: string): Promise<Readable>;
  /**
   * Opens `location` for writing, keeping its first `keepBytes` (what an earlier run of the job
   * wrote). `undefined` when it holds fewer: that output was lost (an S3 upload that a crash left
   * incomplete), and the job must start its output over.
   */
  output(location: string, keepBytes: number): Promise<JobOutput | undefined>;
}

/**
 * A resumed job's output: its first `keepBytes` kept, or, when those were lost (an S3 upload a
 * crash left incomplete), opened empty with `restarted` set: the job starts its output over.
 */
export async function reopenOutput(files: JobFiles, location: string, keepBytes: number): Promise<{ output: JobOutput; restarted: boolean }> {
  const kept = await files.output(location, keepBytes);
  if (kept) return { output: kept, restarted: false };
  return { output: (await files.output(location, 0))!, restarted: true }; // keeping nothing, nothing is lost
}

const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

export function createJobFiles(options: { s3?: S3ObjectStore | undefined; kmsKeyId?: string | undefined } = {}): JobFiles {
  const s3For = (location: string) => {
    const object = parseS3Uri(location);
    if (object && !options.s3) throw new Error(`${location}: S3 locations need the S3 client (AWS_REGION; S3_ENDPOINT for a local S3)`);
    return object && { object, store: options.s3! };
  };
  return {
    async read(location) {
      const s3 = s3For(location);
      if (!s3) return createReadStream(location);
      const body = await s3.store.read(s3.object);
      if (!body) throw new Error(`${location} does not exist`);
      return body;
    },
    async output(location, keepBytes) {
      const s3 = s3For(location);
      if (s3) return s3.store.writer(s3.object, { contentType: NDJSON_CONTENT_TYPE, kmsKeyId: options.kmsKeyId, keepBytes });
      if (keepBytes === 0) return fileOutput(await open(location, 'w'), 0);
      const size = await stat(location).then((s) => s.size, () => -1);
      if (size < keepBytes) return undefined;
      await truncate(location, keepBytes);
      return fileOutput(await open(location, 'a'), keepBytes);
    },
  };
}

function fileOutput(handle: FileHandle, kept: number): JobOutput {
  let bytes = kept;
  return {
    get bytes() {
      return bytes;
    },
    async write(text) {
      await handle.write(text);
      bytes += Buffer.byteLength(text);
    },
    close: () => handle.close(),
    abort: () => handle.close(),
  };
}
