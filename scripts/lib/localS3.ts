import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import S3rver from 's3rver';
import { defaultPort } from './localSettings.cjs';
import type { Stoppable } from './localStack.ts';

/** `npm start`'s local S3 port (S3_PORT), from the local stack's default S3_ENDPOINT. */
export const DEFAULT_LOCAL_S3_PORT = defaultPort('S3_ENDPOINT');

export interface LocalS3Server extends Stoppable {
  /** Where S3 clients point (`S3_ENDPOINT`; path-style requests, any credentials). */
  readonly endpoint: string;
}

/** The buckets' CORS rules for the console (browsers PUT imports and GET exports and rejects with pre-signed URLs), as resources/jobs.yml has them. */
function corsConfiguration(origins: readonly string[]): string {
  const allowed = origins.map((o) => `<AllowedOrigin>${o}</AllowedOrigin>`).join('');
  return `<CORSConfiguration><CORSRule>${allowed}<AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule></CORSConfiguration>`;
}

/**
 * A local S3 for `npm start` and the tests: s3rver (pure JavaScript, in this process), objects
 * kept as files under `directory`, on 127.0.0.1:`port` (0: a free one). `buckets` are created if
 * they do not exist yet; what they hold stays from one start to the next. `corsOrigins`: the
 * console's, which may PUT and GET objects with pre-signed URLs.
 */
export async function startLocalS3Server(options: { port: number; directory: string; buckets?: readonly string[]; corsOrigins?: readonly string[] }): Promise<LocalS3Server> {
  const directory = resolve(options.directory);
  await mkdir(directory, { recursive: true });
  const configs = options.corsOrigins?.length ? [corsConfiguration(options.corsOrigins)] : [];
  const server = new S3rver({ port: options.port, address: '127.0.0.1', silent: true, directory, configureBuckets: (options.buckets ?? []).map((name) => ({ name, configs })) });
  const { port } = await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => server.close() };
}
