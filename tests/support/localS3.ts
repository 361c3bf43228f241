import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { startLocalS3Server } from '../../scripts/lib/localS3.ts';
import { createS3Client } from '../../src/adapters/s3/S3ObjectStore.ts';

export interface RecordedRequest {
  readonly command: string;
  readonly input: Record<string, unknown>;
}

export interface LocalS3 {
  readonly endpoint: string;
  /** A client of the project's S3 adapter, with every request it sends recorded (command and input). */
  readonly client: S3Client;
  readonly requests: RecordedRequest[];
  createBucket(name: string): Promise<void>;
  put(bucket: string, key: string, body: string): Promise<void>;
  /** The object's text, or undefined when there is none. */
  text(bucket: string, key: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

/** A real S3 peer of a test file's own: the local stack's s3rver, on disk in a temp folder, on a free loopback port. */
export async function startLocalS3(): Promise<LocalS3> {
  const directory = await mkdtemp(join(tmpdir(), 'local-s3-'));
  const server = await startLocalS3Server({ port: 0, directory });
  const s3 = connectLocalS3(server.endpoint);
  return {
    ...s3,
    stop: async () => {
      await s3.stop();
      await server.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A client of a running local S3 (the stack's: `inject('s3Endpoint')`); `stop` closes the client only. */
export function connectLocalS3(endpoint: string): LocalS3 {
  const client = createS3Client({ region: 'eu-west-1', endpoint });
  const requests: RecordedRequest[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      const input = { ...(args.input as Record<string, unknown>) };
      if (input['Body'] !== undefined) input['Body'] = Buffer.isBuffer(input['Body']) ? input['Body'].toString() : input['Body'];
      requests.push({ command: String(context.commandName), input });
      return next(args);
    },
    { step: 'initialize', name: 'recordRequests' },
  );
  return {
    endpoint,
    client,
    requests,
    createBucket: async (name) => void (await client.send(new CreateBucketCommand({ Bucket: name }))),
    put: async (bucket, key, body) => void (await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))),
    text: async (bucket, key) => {
      try {
        return await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    stop: () => Promise.resolve(client.destroy()),
  };
}
