/**
 * The in-process half of `npm run bench`, forked by bench/run.ts with a Lambda-like environment
 * (stdout, where Powertools logs and metrics go, is discarded; results go back over IPC).
 *
 *   warm      every route's full handler (middy stack, Powertools, validation, service, repository)
 *             with DynamoDB answered in-process at the SDK's HTTP handler (after the SDK's
 *             marshalling, serialisation, signing and retry middleware), the cache on the machine's
 *             Redis (REDIS_URL, keys under CACHE_KEY_PREFIX, deleted afterwards), the runtime
 *             secret (a local Secrets Manager stand-in), the JWKS fetch and the X-Ray daemon's
 *             datagrams answered in this process; production code is untouched. Our own code's
 *             share is the invocation less the time a DynamoDB `send` or a Redis command was in flight.
 *   readpath  GET /secure/entities/{id} against DynamoDB Local (DYNAMODB_ENDPOINT), beside a raw
 *             GetItem of the same item from the same process.
 *   cachehit  GET /data/entities/{id} answered from Redis (REDIS_URL, keys under CACHE_KEY_PREFIX),
 *             beside a raw GET of the same cache key from the same process: traced as X-Ray's
 *             default rule samples (the budget), then every invocation traced, then none; the
 *             prefix's keys are deleted afterwards.
 */
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Socket } from 'node:dgram';
import { Session } from 'node:inspector/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { Readable } from 'node:stream';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Redis } from 'ioredis';
import { SimpleFetcher } from 'aws-jwt-verify/https';
import { PROJECT_ROOT } from '../scripts/lib/localStack.ts';
import { awsClientConfig } from '../src/adapters/aws/clientConfig.ts';
import { connectRedis } from '../src/adapters/redis/redisConnection.ts';
import { deleteKeysMatching } from '../scripts/lib/redisKeys.ts';
import { ENTITY_SK, entityPk, toItem } from '../src/adapters/dynamodb/entityItem.ts';
import type { Entity } from '../src/domain/entity.ts';
import { EntityCacheKeys } from '../src/domain/entityReadCache.ts';
import { defaultSamplingRule, DEPLOYED_REFS, REGION, traceHeader } from './lib/lambdaEnv.ts';
import { breakdown, type CpuProfile, type PartTime } from './lib/profileBreakdown.ts';
import { median, nowNs, percentile } from './lib/stats.ts';

export interface LatencyResult {
  readonly name: string;
  readonly status: number | string;
  /** Our own code: the invocation less the time an AWS SDK client's `send` was in flight (the budgeted figures). */
  readonly medianUs: number;
  readonly p99Us: number;
  /** The whole invocation, the store calls included (the SDK's middleware, marshalling, serialisation, signing; the Redis commands). */
  readonly withSdkMedianUs: number;
  readonly samples: number;
  /** Where the time goes: a CPU profile of further invocations, per package or folder of ours. */
  readonly parts: PartTime[];
}

export interface ReadPathResult {
  readonly handlerMedianUs: number;
  readonly rawGetItemMedianUs: number;
  readonly ratio: number;
  readonly samples: number;
}

export interface HitVsRawGet {
  readonly handlerMedianUs: number;
  readonly rawGetMedianUs: number;
  readonly ratio: number;
}

export interface CacheHitResult extends HitVsRawGet {
  readonly samples: number;
  /** The share of the hits under X-Ray's default rule that it sampled (traced), warm-up included. */
  readonly tracedShare: number;
  /** The same with every invocation traced (each sends its subsegment): the sampled tail. */
  readonly everyTraced: HitVsRawGet;
  /** The same with no invocation traced. */
  readonly untraced: HitVsRawGet;
  /** Traced invocations of this worker in all (warm-up included): what the daemon stand-in should have received. */
  readonly tracedInvocations: number;
}

export type WorkerMessage =
  | { kind: 'warm'; routes: LatencyResult[] }
  | { kind: 'readpath'; result: ReadPathResult }
  | { kind: 'cachehit'; result: CacheHitResult }
  | { kind: 'error'; message: string };

type Handler = (event: unknown, context: Context) => Promise<unknown>;
type Handle = NodeHttpHandler['handle'];

const ENTITY_ID = '3f0c2a1e-8d4b-4c7e-9a51-2b6f0d9e7c10';
const USER_POOL_ID = DEPLOYED_REFS.UserPool!;
const CLIENT_ID = DEPLOYED_REFS.UserAppClient!;
const ISSUER = `https://cognito-idp.${REGION}.amazonaws.com/${USER_POOL_ID}`;
const WARM_ITERATIONS = Number(process.env.BENCH_WARM_ITERATIONS ?? 5000);
const READ_ITERATIONS = Number(process.env.BENCH_READ_ITERATIONS ?? 300);
const PROFILED_ITERATIONS = Number(process.env.BENCH_PROFILED_ITERATIONS ?? 2000);
/** `BENCH_WARM_TRACED=0`: the warm routes unsampled (`Sampled=0`), to see what tracing costs when X-Ray does not sample. */
const WARM_TRACED = process.env.BENCH_WARM_TRACED !== '0';

// ---- identity: a key pair of our own stands in for the user pool's ----
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KID = 'bench-key-1';
const JWKS = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' }] };

function accessToken(): string {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${b64({ alg: 'RS256', kid: KID })}.${b64({
    sub: '5b1e6a0e-2f4c-4d8a-b1c3-7e9f0a2d4c61', iss: ISSUER, client_id: CLIENT_ID, token_use: 'access', scope: 'entities/read entities/write',
    auth_time: now, iat: now, exp: now + 3600, jti: randomUUID(), tenant_id: 't1',
  })}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), privateKey).toString('base64url')}`;
}

/**
 * The runtime secret (a Secrets Manager stand-in on a local port, where `AWS_ENDPOINT_URL_SECRETS_MANAGER`
 * sends the functions' one GetSecretValue) and the pool's JWKS, answered in this process.
 */
async function answerIdentityInProcess(): Promise<void> {
  const secret = { cursorSigningKey: 'bench-cursor-signing-key-0123456789' };
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ SecretString: JSON.stringify(secret) })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  SimpleFetcher.prototype.fetch = (uri: string) => {
    if (uri !== `${ISSUER}/.well-known/jwks.json`) return Promise.reject(new Error(`bench: unexpected fetch of ${uri}`));
    const bytes = Buffer.from(JSON.stringify(JWKS));
    return Promise.resolve(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  };
}

/** DynamoDB answered in-process at the SDK's HTTP handler (wire documents): one stored entity, writes accepted. */
function answerDynamoDbInProcess(): void {
  const now = new Date().toISOString();
  const entity: Entity = { id: ENTITY_ID, tenantId: 't1', name: 'Pump station 7', attributes: { site: 'north', capacityLitres: 12000, tags: ['critical'] }, visibility: 'public', version: 1, createdAt: now, updatedAt: now };
  const item = marshall(toItem(entity), { removeUndefinedValues: true });
  const page = Array.from({ length: 10 }, (_, i) => ({ ...item, id: { S: `${ENTITY_ID.slice(0, -2)}${String(i).padStart(2, '0')}` } }));
  const original = Object.getOwnPropertyDescriptor(NodeHttpHandler.prototype, 'handle')!.value as Handle;
  const answers: Record<string, () => unknown> = {
    // Unmarshalling builds new objects: the same wire documents can be answered every time.
    GetItem: () => ({ Item: item }),
    Query: () => ({ Items: page, Count: page.length, ScannedCount: page.length }),
    PutItem: () => ({}),
    UpdateItem: () => ({}),
    DeleteItem: () => ({}),
    TransactWriteItems: () => ({}),
  };
  NodeHttpHandler.prototype.handle = function (this: NodeHttpHandler, request, options) {
    if (!request.hostname.startsWith('dynamodb.')) return original.call(this, request, options);
    const target = String(request.headers['x-amz-target'] ?? '');
    const answer = answers[target.slice(target.indexOf('.') + 1)];
    if (!answer) return Promise.reject(new Error(`bench: unexpected DynamoDB call ${target}`));
    const body = Buffer.from(JSON.stringify(answer()));
    return Promise.resolve({ response: { statusCode: 200, reason: 'OK', headers: { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(body.length), 'x-amzn-requestid': 'bench' }, body: Readable.from([body]) } });
  };
}

/**
 * The X-Ray daemon answered in-process for the warm figures (our code only): the tracer builds and
 * hands over every datagram as always, and the socket's send counts it instead of making the system
 * call (which the read path's cache hit measures against a daemon stand-in, bench/lib/xrayDaemon.ts).
 */
function answerXrayInProcess(): { datagrams(): number } {
  let datagrams = 0;
  Socket.prototype.send = function (this: Socket, ...args: unknown[]) {
    datagrams += 1;
    const callback = args.findLast((arg) => typeof arg === 'function') as ((error: Error | null, bytes: number) => void) | undefined;
    if (callback) process.nextTick(callback, null, 0);
  } as typeof Socket.prototype.send;
  return { datagrams: () => datagrams };
}

/**
 * Times the store calls' share of each invocation: the wall time during which at least one
 * DynamoDB client `send` (the document client's or the plain client's, as Powertools idempotency
 * uses) or Redis command (ioredis `sendCommand`, a pipeline's commands each) was in flight, so
 * overlapping calls count once. The handler's time less this is our own code's.
 */
function timeStoreCalls(): { reset(): void; elapsedNs(): number; dynamoCalls(): number; redisCalls(): number } {
  let inFlight = 0;
  let since = 0;
  let elapsed = 0;
  let dynamoCalls = 0;
  let redisCalls = 0;
  const started = () => {
    if (inFlight++ === 0) since = nowNs();
  };
  const ended = () => {
    if (--inFlight === 0) elapsed += nowNs() - since;
  };
  for (const prototype of [DynamoDBClient.prototype, DynamoDBDocumentClient.prototype]) {
    const send = (Object.getPrototypeOf(prototype) as { send: (this: unknown, ...args: unknown[]) => Promise<unknown> }).send;
    Object.defineProperty(prototype, 'send', {
      configurable: true,
      writable: true,
      value: async function (this: unknown, ...args: unknown[]) {
        dynamoCalls += 1;
        started();
        try {
          return await send.apply(this, args);
        } finally {
          ended();
        }
      },
    });
  }
  const sendCommand = Object.getOwnPropertyDescriptor(Redis.prototype, 'sendCommand')!.value as (this: Redis, ...args: unknown[]) => Promise<unknown>;
  Redis.prototype.sendCommand = function (this: Redis, ...args: unknown[]) {
    redisCalls += 1;
    started();
    const reply = sendCommand.apply(this, args);
    reply.then(ended, ended);
    return reply;
  };
  return {
    reset: () => {
      elapsed = 0;
    },
    elapsedNs: () => elapsed,
    dynamoCalls: () => dynamoCalls,
    redisCalls: () => redisCalls,
  };
}

let invocation = 0;
function lambdaContext(functionName: string): Context {
  invocation += 1;
  const deadline = Date.now() + 10_000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: `00000000-0000-4000-8000-${String(invocation).padStart(12, '0')}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/01/01/[$LATEST]00000000000000000000000000000000',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The sample events in events/ (API Gateway REST proxy events, and the TOKEN authorizer's). */
interface SampleEvent {
  path: string;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  pathParameters: Record<string, string> | null;
  authorizationToken?: string;
  [key: string]: unknown;
}

async function loadEvent(file: string, change: (event: SampleEvent) => void = () => undefined): Promise<Record<string, unknown>> {
  const event = JSON.parse(await readFile(join(PROJECT_ROOT, 'events', file), 'utf8')) as SampleEvent;
  change(event);
  return event;
}

async function loadHandler(modulePath: string): Promise<Handler> {
  const module = (await import(join(PROJECT_ROOT, modulePath))) as { handler: Handler };
  return module.handler;
}

function statusOf(result: unknown): number | string {
  if (result && typeof result === 'object' && 'statusCode' in result) return Number(result.statusCode);
  if (result && typeof result === 'object' && 'policyDocument' in result) return 'Allow';
  return 'unknown';
}

/**
 * One invocation as the runtime makes it: a fresh copy of the event and trace id (untimed), then
 * the handler (timed). Traced (`Sampled=1`) unless told otherwise: the costlier case.
 */
async function timedInvoke(handler: Handler, event: Record<string, unknown>, functionName: string, sampled = true): Promise<{ ns: number; result: unknown }> {
  const copy = structuredClone(event);
  const context = lambdaContext(functionName);
  process.env._X_AMZN_TRACE_ID = traceHeader(sampled);
  const start = nowNs();
  const result = await handler(copy, context);
  const ns = nowNs() - start;
  // Untimed: the event loop turns between invocations, as the runtime's own I/O makes it (answering,
  // then waiting for the next event); without it, a run of invocations answered in-process would
  // never let the loop run what they started (the X-Ray socket's connection, timers).
  await new Promise((resolve) => setImmediate(resolve));
  return { ns, result };
}

interface Route {
  readonly name: string;
  readonly module: string;
  readonly event: Record<string, unknown>;
  readonly expect: number | string;
}

async function warmRoutes(): Promise<LatencyResult[]> {
  await answerIdentityInProcess();
  answerDynamoDbInProcess();
  const xray = answerXrayInProcess();
  const stores = timeStoreCalls();
  const token = accessToken();
  const bearer = (event: SampleEvent) => {
    event.headers.Authorization = `Bearer ${token}`;
    event.multiValueHeaders.Authorization = [`Bearer ${token}`];
  };
  const routes: Route[] = [
    { name: 'health GET /health', module: 'functions/health.ts', event: await loadEvent('health.json'), expect: 200 },
    { name: 'getEntity GET /secure/entities/{id}', module: 'functions/entities/getEntity.ts', event: await loadEvent('get-entity.json'), expect: 200 },
    { name: 'getEntity GET /data/entities/{id} (anonymous)', module: 'functions/entities/getEntity.ts', event: await loadEvent('get-public-entity.json'), expect: 200 },
    { name: 'getEntity GET /data/entities/{id} (token)', module: 'functions/entities/getEntity.ts', event: await loadEvent('get-public-entity.json', bearer), expect: 200 },
    { name: 'listEntities GET /secure/entities?limit=10', module: 'functions/entities/listEntities.ts', event: await loadEvent('list-entities.json'), expect: 200 },
    { name: 'createEntity POST /secure/entities', module: 'functions/entities/createEntity.ts', event: await loadEvent('create-entity.json'), expect: 201 },
    { name: 'replaceEntity PUT /secure/entities/{id}', module: 'functions/entities/replaceEntity.ts', event: await loadEvent('replace-entity.json'), expect: 200 },
    { name: 'patchEntity PATCH /secure/entities/{id}', module: 'functions/entities/patchEntity.ts', event: await loadEvent('patch-entity.json'), expect: 200 },
    { name: 'deleteEntity DELETE /secure/entities/{id}', module: 'functions/entities/deleteEntity.ts', event: await loadEvent('delete-entity.json'), expect: 204 },
    { name: 'methodNotAllowed DELETE /data/entities/{id}', module: 'functions/methodNotAllowed.ts', event: await loadEvent('method-not-allowed.json'), expect: 405 },
    { name: 'authorizer (JWKS cached)', module: 'functions/authorizer.ts', event: await loadEvent('authorizer.json', (e) => (e.authorizationToken = `Bearer ${token}`)), expect: 'Allow' },
  ];
  const results: LatencyResult[] = [];
  for (const route of routes) {
    const handler = await loadHandler(route.module);
    const functionName = route.name.split(' ')[0]!;
    const first = await timedInvoke(handler, route.event, functionName, WARM_TRACED);
    if (statusOf(first.result) !== route.expect) throw new Error(`${route.name}: expected ${route.expect}, got ${JSON.stringify(first.result).slice(0, 500)}`);
    for (let i = 0; i < Math.min(1000, WARM_ITERATIONS); i++) await timedInvoke(handler, route.event, functionName, WARM_TRACED);
    const whole: number[] = [];
    const own: number[] = [];
    for (let i = 0; i < WARM_ITERATIONS; i++) {
      stores.reset();
      const { ns } = await timedInvoke(handler, route.event, functionName, WARM_TRACED);
      whole.push(ns / 1000);
      own.push((ns - stores.elapsedNs()) / 1000);
    }
    // Profiled apart from the timed invocations (the profiler slows what it samples).
    const parts = await profiled(PROFILED_ITERATIONS, () => timedInvoke(handler, route.event, functionName, WARM_TRACED));
    results.push({ name: route.name, status: route.expect, medianUs: median(own), p99Us: percentile(own, 99), withSdkMedianUs: median(whole), samples: whole.length, parts });
  }
  // The entity routes call DynamoDB: a timer that saw no call would make "our own code" the whole invocation.
  if (stores.dynamoCalls() < WARM_ITERATIONS) throw new Error(`bench: ${stores.dynamoCalls()} DynamoDB sends timed in ${routes.length} routes of ${WARM_ITERATIONS} invocations`);
  // The data routes read through the cache: a timer that saw no Redis command would leave the cache's round trips in our own code.
  if (stores.redisCalls() < WARM_ITERATIONS) throw new Error(`bench: ${stores.redisCalls()} Redis commands timed in ${routes.length} routes of ${WARM_ITERATIONS} invocations`);
  await deleteCacheKeys();
  // Every invocation was sampled: a tracer that sent nothing would make these figures meaningless.
  const tracedRoutes = routes.filter((route) => !route.module.endsWith('authorizer.ts')).length; // the authorizer has no tracer
  if (WARM_TRACED && xray.datagrams() < tracedRoutes * WARM_ITERATIONS) throw new Error(`bench: ${xray.datagrams()} X-Ray datagrams for ${tracedRoutes} routes of ${WARM_ITERATIONS} traced invocations`);
  return results;
}

/** A CPU profile (50 µs sampling) of `iterations` calls of `invoke`, broken down by package and folder of ours. */
async function profiled(iterations: number, invoke: () => Promise<unknown>): Promise<PartTime[]> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 50 });
    await session.post('Profiler.start');
    for (let i = 0; i < iterations; i++) await invoke();
    const { profile } = await session.post('Profiler.stop');
    return breakdown(profile as CpuProfile, PROJECT_ROOT, iterations);
  } finally {
    session.disconnect();
  }
}

async function readPath(): Promise<ReadPathResult> {
  await answerIdentityInProcess();
  const endpoint = process.env.DYNAMODB_ENDPOINT!;
  const table = process.env.ENTITIES_TABLE!;
  const create = await loadHandler('functions/entities/createEntity.ts');
  const get = await loadHandler('functions/entities/getEntity.ts');
  const created = (await create(await loadEvent('create-entity.json'), lambdaContext('createEntity'))) as { statusCode: number; headers: Record<string, string> };
  if (created.statusCode !== 201) throw new Error(`seeding failed: ${JSON.stringify(created)}`);
  const id = created.headers.Location!.split('/').pop()!;
  const event = await loadEvent('get-entity.json', (e) => {
    e.path = e.path.replace(ENTITY_ID, id);
    e.pathParameters = { id };
  });
  // The floor: one GetItem through the same SDK client class, with no handler and no document layer.
  const raw = new DynamoDBClient(awsClientConfig({ region: REGION, endpoint }));
  const rawGet = async () => {
    const start = nowNs();
    const { Item } = await raw.send(new GetItemCommand({ TableName: table, Key: { pk: { S: entityPk(id) }, sk: { S: ENTITY_SK } }, ConsistentRead: true }));
    const ns = nowNs() - start;
    if (!Item) throw new Error('raw GetItem found nothing');
    return ns;
  };
  const viaHandler = async () => {
    const { ns, result } = await timedInvoke(get, event, 'getEntity');
    if (statusOf(result) !== 200) throw new Error(`getEntity answered ${JSON.stringify(result).slice(0, 300)}`);
    return ns;
  };
  const { a: rawGetItemMedianUs, b: handlerMedianUs } = (await interleaved([rawGet], viaHandler, 100, READ_ITERATIONS))[0]!;
  raw.destroy();
  await deleteCacheKeys();
  return { handlerMedianUs, rawGetItemMedianUs, ratio: handlerMedianUs / rawGetItemMedianUs, samples: READ_ITERATIONS };
}

/**
 * Each `a` against `b`, alternated: each round runs every `a` beside a `b` of its own (which of
 * the pair goes first alternating, so neither always follows the other, and the order of the `as`
 * rotating); medians in µs. The warm-up rounds are not kept.
 */
async function interleaved(as: readonly (() => Promise<number>)[], b: () => Promise<number>, warmup: number, rounds: number): Promise<{ a: number; b: number }[]> {
  const samples = as.map(() => ({ a: [] as number[], b: [] as number[] }));
  for (let i = 0; i < warmup + rounds; i++) {
    for (let j = 0; j < as.length; j++) {
      const k = (i + j) % as.length;
      let aNs: number;
      let bNs: number;
      if ((i + j) % 2 === 0) {
        aNs = await as[k]!();
        bNs = await b();
      } else {
        bNs = await b();
        aNs = await as[k]!();
      }
      if (i >= warmup) {
        samples[k]!.a.push(aNs);
        samples[k]!.b.push(bNs);
      }
    }
  }
  return samples.map(({ a, b: bs }) => ({ a: median(a) / 1000, b: median(bs) / 1000 }));
}

/** Deletes the run's cache keys (CACHE_KEY_PREFIX) from the machine's Redis. */
async function deleteCacheKeys(): Promise<void> {
  const raw = await connectRedis({ url: process.env.REDIS_URL! }, { connectTimeoutMs: 5_000, commandTimeoutMs: 1_000, onError: () => undefined });
  try {
    await deleteKeysMatching(raw, `${process.env.CACHE_KEY_PREFIX!}*`);
  } finally {
    await raw.quit();
  }
}

async function cacheHit(): Promise<CacheHitResult> {
  await answerIdentityInProcess();
  answerDynamoDbInProcess();
  const url = process.env.REDIS_URL!;
  const prefix = process.env.CACHE_KEY_PREFIX!;
  // The same client, made the way the store makes it, on a connection of its own: the ratio measures our layer, not a client difference.
  const raw = await connectRedis({ url }, { connectTimeoutMs: 5_000, commandTimeoutMs: 1_000, onError: () => undefined });
  try {
    const get = await loadHandler('functions/entities/getEntity.ts');
    const event = await loadEvent('get-public-entity.json');
    let traced = 0;
    const viaHandler = async (expect: 'HIT' | 'MISS', sampled = true) => {
      if (sampled) traced += 1;
      const { ns, result } = await timedInvoke(get, event, 'getEntity', sampled);
      const r = result as { statusCode?: number; headers?: Record<string, string> };
      if (r.statusCode !== 200 || r.headers?.['X-Cache'] !== expect) throw new Error(`getEntity answered ${JSON.stringify(result).slice(0, 300)}, expected 200 and X-Cache: ${expect}`);
      return ns;
    };
    await viaHandler('MISS'); // fills the entry (DynamoDB answered in-process)
    const key = new EntityCacheKeys(prefix).entity(ENTITY_ID, 'public');
    const rawGet = async () => {
      const start = nowNs();
      const value = await raw.get(key);
      const ns = nowNs() - start;
      if (value === null) throw new Error(`raw GET found no ${key}`);
      return ns;
    };
    const rounds = READ_ITERATIONS * 3;
    const versus = ({ a, b }: { a: number; b: number }): HitVsRawGet => ({ handlerMedianUs: a, rawGetMedianUs: b, ratio: a / b });
    // Three ways of tracing, measured in the same rounds (each beside raw GETs of its own), so that
    // none of them has the machine or the JIT to itself. The budget: X-Ray's default rule decides,
    // as in production.
    const sample = defaultSamplingRule();
    let measured = 0;
    let measuredTraced = 0;
    const production = () => {
      const sampled = sample();
      measured += 1;
      if (sampled) measuredTraced += 1;
      return viaHandler('HIT', sampled);
    };
    const [byRule, everyTraced, untraced] = (
      await interleaved([production, () => viaHandler('HIT', true), () => viaHandler('HIT', false)], rawGet, 300, rounds)
    ).map(({ a, b }) => versus({ a, b }));
    const tracedShare = measuredTraced / measured;
    return { ...byRule!, samples: rounds, tracedShare, everyTraced: everyTraced!, untraced: untraced!, tracedInvocations: traced };
  } finally {
    await deleteKeysMatching(raw, `${prefix}*`);
    await raw.quit();
  }
}

const reply = (message: WorkerMessage) => new Promise<void>((done) => process.send!(message, () => done()));

try {
  if (process.argv[2] === 'warm') await reply({ kind: 'warm', routes: await warmRoutes() });
  else if (process.argv[2] === 'readpath') await reply({ kind: 'readpath', result: await readPath() });
  else if (process.argv[2] === 'cachehit') await reply({ kind: 'cachehit', result: await cacheHit() });
  else throw new Error(`unknown mode ${process.argv[2]}`);
} catch (error) {
  await reply({ kind: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}
process.exit(0);
