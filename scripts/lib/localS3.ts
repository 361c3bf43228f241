import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import S3rver from 's3rver';
import type { Stoppable } from './localStack.ts';

/** `npm start`'s local S3 port (S3_PORT), and so the default S3_ENDPOINT of `npm run s3`. */
export const DEFAULT_LOCAL_S3_PORT = 4569;

export interface LocalS3Server extends Stoppable {
  /** Where S3 clients point (`S3_ENDPOINT`; path-style requests, any credentials). */
  readonly endpoint: string;
}

/**
 * A local S3 for `npm start` and the tests: s3rver (pure JavaScript, in this process), objects
 * kept as files under `directory`, on 127.0.0.1:`port` (0: a free one). `buckets` are created if
 * they do not exist yet; what they hold stays from one start to the next.
 */
export async function startLocalS3Server(options: { port: number; directory: string; buckets?: readonly string[] }): Promise<LocalS3Server> {
  const directory = resolve(options.directory);
  await mkdir(directory, { recursive: true });
  const server = new S3rver({ port: options.port, address: '127.0.0.1', silent: true, directory, configureBuckets: (options.buckets ?? []).map((name) => ({ name })) });
  const { port } = await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => server.close() };
}
