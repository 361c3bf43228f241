/**
 * `npm run s3`: puts, gets and lists objects in the local S3 of `npm start` (S3_ENDPOINT, default
 * http://127.0.0.1:4569), so a job's input can be uploaded and its output read without the AWS CLI.
 *
 *   npm run --silent s3 -- put <file|-> s3://<bucket>/<key>     (-: standard input)
 *   npm run --silent s3 -- get s3://<bucket>/<key> [file]       (default: standard output)
 *   npm run --silent s3 -- ls s3://<bucket>[/<prefix>]
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { parseS3Uri } from '../src/domain/jobRequest.ts';
import { createS3Client } from '../src/adapters/s3/S3ObjectStore.ts';
import { LOCAL_DEFAULTS, readLocalSettings } from './lib/localSettings.cjs';
import { exitWithHelpIfAsked } from './lib/cli.ts';

const USAGE = `usage: npm run --silent s3 -- put <file|-> s3://<bucket>/<key> | get s3://<bucket>/<key> [file] | ls s3://<bucket>[/<prefix>]
The local S3 of npm start: S3_ENDPOINT, else what npm start wrote to .local/stack.env, else ${LOCAL_DEFAULTS.S3_ENDPOINT}.`;
exitWithHelpIfAsked(USAGE);


const endpoint = readLocalSettings().S3_ENDPOINT;
const [command, first, second] = process.argv.slice(2);

/** `s3://bucket[/key]`; the key may be empty only where `prefixOk`. */
function location(uri: string | undefined, prefixOk = false): { bucket: string; key: string } {
  const bucketOnly = /^s3:\/\/([^/]+)\/?$/.exec(uri ?? '');
  if (prefixOk && bucketOnly) return { bucket: bucketOnly[1]!, key: '' };
  const parsed = uri === undefined ? undefined : parseS3Uri(uri);
  if (!parsed) throw new Error(`${uri ?? 'a location'}: expected s3://<bucket>/<key>\n\n${USAGE}`);
  return parsed;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const client = createS3Client({ region: process.env.AWS_REGION ?? 'eu-west-1', endpoint });
try {
  switch (command) {
    case 'put': {
      if (first === undefined) throw new Error(USAGE);
      const { bucket, key } = location(second);
      const body = first === '-' ? await readStdin() : await readFile(first);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      process.stderr.write(`put s3://${bucket}/${key} (${body.length} bytes)\n`);
      break;
    }
    case 'get': {
      const { bucket, key } = location(first);
      const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      await pipeline(Body as Readable, second === undefined ? process.stdout : createWriteStream(second));
      break;
    }
    case 'ls': {
      const { bucket, key } = location(first, true);
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token }));
        for (const object of page.Contents ?? []) process.stdout.write(`${object.LastModified?.toISOString() ?? ''}  ${String(object.Size ?? 0).padStart(10)}  s3://${bucket}/${object.Key ?? ''}\n`);
        token = page.NextContinuationToken;
      } while (token);
      break;
    }
    default:
      throw new Error(USAGE);
  }
} catch (error) {
  const e = error as Error & { code?: string };
  process.stderr.write(`${e.code === 'ECONNREFUSED' || e.name === 'TimeoutError' ? `no S3 at ${endpoint} (is npm start running?): ` : ''}${e.name === 'NoSuchKey' ? 'no such object' : e.message}\n`);
  process.exitCode = 1;
} finally {
  client.destroy();
}
