import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../src/adapters/dynamodb/dynamoClient.ts';
import { DynamoEntityRepository } from '../../src/adapters/dynamodb/DynamoEntityRepository.ts';
import { withoutTenant, type Entity } from '../../src/domain/entity.ts';
import type { EntityPrefetch } from '../../src/domain/entityReadCache.ts';
import type { ReadScope } from '../../src/domain/principal.ts';
import { ensureTable, freePort, PROJECT_ROOT, waitFor } from '../../scripts/lib/localStack.ts';
import { redisServer } from '../support/redisServer.ts';

/**
 * Fail-open at the handler: the real getEntity handler (the one serverless-offline and Lambda run),
 * configured like the local stage but with its own redis-server, which the test stops and restarts.
 * The machine's shared Redis is never touched.
 */
const table = `failopen-handler-${randomUUID()}`;
let port: number;
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
let prefetchEntity: (scope: ReadScope, id: string) => EntityPrefetch | undefined;
let template: APIGatewayProxyEvent;

const context = { awsRequestId: 'r', functionName: 'getEntity', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:0:function:getEntity', memoryLimitInMB: '1024', logGroupName: 'g', logStreamName: 's', callbackWaitsForEmptyEventLoop: false, getRemainingTimeInMillis: () => 10_000, done: () => undefined, fail: () => undefined, succeed: () => undefined } as Context;

let redis: ReturnType<typeof redisServer>;

function read(id: string): Promise<APIGatewayProxyResult> {
  return handler({ ...template, path: `/api/v1/data/entities/${id}`, pathParameters: { id } }, context);
}

beforeAll(async () => {
  port = await freePort();
  redis = redisServer(port);
  await redis.start();
  const endpoint = inject('dynamoEndpoint');
  await ensureTable(endpoint, table);
  Object.assign(process.env, {
    STAGE: 'local', AWS_REGION: 'eu-west-1', ENTITIES_TABLE: table, DYNAMODB_ENDPOINT: endpoint, IDENTITY_PROVIDER: 'local',
    LOCAL_ISSUER_DIR: inject('issuerDir'), CURSOR_SIGNING_KEY: 'local-only-cursor-signing-key', EVENT_BUS_NAME: 'unused',
    REDIS_URL: `redis://127.0.0.1:${port}`, CACHE_KEY_PREFIX: `failopen-${randomUUID().slice(0, 8)}:`, CACHE_BREAKER_OPEN_MS: '300',
    POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_TRACE_ENABLED: 'false', POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  ({ handler } = await import('../../functions/entities/getEntity.ts'));
  ({ prefetchEntity } = await import('../../src/composition/entities.ts'));
  template = JSON.parse(await readFile(join(PROJECT_ROOT, 'events', 'get-public-entity.json'), 'utf8')) as APIGatewayProxyEvent;
}, 60_000);
afterAll(() => redis.stop());

/** How many times the server has run `command` (INFO commandstats). */
async function commandCalls(command: string): Promise<number> {
  const client = new Redis(port, '127.0.0.1');
  try {
    const stats = await client.info('commandstats');
    return Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
  } finally {
    await client.quit();
  }
}

function storedEntity(): Promise<Entity> {
  const now = new Date().toISOString();
  const entity: Entity = { id: randomUUID(), tenantId: 'failopen', name: `fail-open ${randomUUID()}`, attributes: { n: 1 }, visibility: 'public', version: 1, createdAt: now, updatedAt: now };
  return new DynamoEntityRepository({ client: createDocumentClient({ region: 'eu-west-1', endpoint: inject('dynamoEndpoint') }), tableName: table, cursorSigningKey: 'x'.repeat(32) })
    .create(entity)
    .then(() => entity);
}

describe('GET /api/v1/data/entities/{id} prefetch', () => {
  it('answers an anonymous hit with the one cache read started before the middleware stack', async () => {
    const entity = await storedEntity();
    // Cold: the first read builds the store inside the invocation, so nothing is prefetched before it.
    expect(prefetchEntity({ kind: 'public' }, entity.id)).toBeUndefined();
    expect((await read(entity.id)).headers?.['X-Cache']).toBe('MISS');
    expect(prefetchEntity({ kind: 'public' }, entity.id)?.keys).toHaveLength(1);
    const before = await commandCalls('mget');
    const hit = await read(entity.id);
    expect(hit.statusCode).toBe(200);
    expect(hit.headers?.['X-Cache']).toBe('HIT');
    expect(JSON.parse(hit.body)).toEqual(withoutTenant(entity)); // anonymous: without the owner (issue 18);
    expect(await commandCalls('mget')).toBe(before + 1);
  });

  it('still validates the id it prefetched for: a malformed id is a 400, whatever the cache holds', async () => {
    const response = await read('not-a-uuid');
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['Content-Type']).toBe('application/problem+json');
  });
});

describe('GET /api/v1/data/entities/{id} when Redis fails', () => {
  it('answers 200 from DynamoDB while Redis is down, with no added latency once the breaker is open, and hits again when it is back', async () => {
    const entity = await storedEntity();
    expect((await read(entity.id)).headers?.['X-Cache']).toBe('MISS');
    const hit = await read(entity.id);
    expect(hit.statusCode).toBe(200);
    expect(hit.headers?.['X-Cache']).toBe('HIT');

    await redis.stop();
    const timings: number[] = [];
    for (let i = 0; i < 30; i++) {
      const started = performance.now();
      const response = await read(entity.id);
      timings.push(performance.now() - started);
      expect(response.statusCode, response.body).toBe(200);
      expect(JSON.parse(response.body)).toEqual(withoutTenant(entity));
    }
    const afterOpen = timings.slice(5).sort((a, b) => a - b);
    expect(afterOpen[Math.floor(afterOpen.length / 2)], `median after the breaker opened: ${afterOpen.join(', ')}`).toBeLessThan(50);

    await redis.start();
    await waitFor('hits to resume', async () => {
      await read(entity.id);
      if ((await read(entity.id)).headers?.['X-Cache'] !== 'HIT') throw new Error('still missing');
    }, 15_000);
  }, 60_000);
});
