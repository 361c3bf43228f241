import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createDynamoDBClient } from '../../src/adapters/dynamodb/dynamoClient.ts';
import { SingleTableIdempotencyStore } from '../../src/adapters/dynamodb/SingleTableIdempotencyStore.ts';
import { UnprocessableError } from '../../src/domain/errors.ts';
import { createIdempotentExecutor } from '../../src/http/idempotentExecutor.ts';
import type { IdempotentExecutor } from '../../src/http/idempotencyKey.ts';
import { HttpProblem } from '../../src/http/problem.ts';
import { ensureTable } from '../../scripts/lib/localStack.ts';

const table = `idempotency-test-${randomUUID()}`;
let endpoint: string;

const context = { functionName: 'createEntity', awsRequestId: 'r', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const ok = (body: unknown, statusCode = 201): APIGatewayProxyResult => ({ statusCode, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const call = (key: string, fingerprint: unknown = { body: 'same' }, scope: readonly string[] = ['tenant', 'user']) => ({ scope, key, fingerprint });

beforeAll(async () => {
  endpoint = inject('dynamoEndpoint');
  await ensureTable(endpoint, table);
});

/** A persistence layer binds to the first configuration it serves: one store per executor, as in the composition root. */
function executor(ttlSeconds = 3600): IdempotentExecutor {
  const store = new SingleTableIdempotencyStore({ tableName: table, client: createDynamoDBClient({ region: 'eu-west-1', endpoint }) });
  return createIdempotentExecutor(store, { ttlSeconds });
}

describe('idempotent execution on DynamoDB Local (Powertools persistence in the single table)', () => {
  it('runs once and replays the stored outcome, marked as replayed', async () => {
    const execute = executor();
    let runs = 0;
    const key = randomUUID();
    const first = await execute(call(key), context, () => Promise.resolve(ok({ run: ++runs })));
    const second = await execute(call(key), context, () => Promise.resolve(ok({ run: ++runs })));
    expect(runs).toBe(1);
    expect(second).toEqual({ ...first, headers: { ...first.headers, 'Idempotent-Replayed': 'true' } });
  });

  it('does not keep a failure (5xx): the retry runs again and can succeed', async () => {
    const execute = executor();
    const key = randomUUID();
    await expect(execute(call(key), context, () => Promise.reject(new Error('DynamoDB throttled')))).rejects.toThrow('DynamoDB throttled');
    const retried = await execute(call(key), context, () => Promise.resolve(ok({ second: 'attempt' })));
    expect(JSON.parse(retried.body)).toEqual({ second: 'attempt' });
    expect(retried.headers).not.toHaveProperty('Idempotent-Replayed');
  });

  it('answers 409 with Retry-After while the first request is still in flight', async () => {
    const execute = executor();
    const key = randomUUID();
    let finish!: () => void;
    const slow = execute(call(key), context, () => new Promise((resolve) => (finish = () => resolve(ok({ slow: true })))));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const concurrent = await execute(call(key), context, () => Promise.resolve(ok({ fast: true }))).catch((e: unknown) => e);
    expect(concurrent).toBeInstanceOf(HttpProblem);
    expect((concurrent as HttpProblem).type).toBe('conflict');
    expect((concurrent as HttpProblem).headers['Retry-After']).toBe('1');
    finish();
    await slow;
    expect(JSON.parse((await execute(call(key), context, () => Promise.resolve(ok({ late: true })))).body)).toEqual({ slow: true });
  });

  it('refuses the key with another payload (422)', async () => {
    const execute = executor();
    const key = randomUUID();
    await execute(call(key, { body: 'one' }), context, () => Promise.resolve(ok({})));
    await expect(execute(call(key, { body: 'two' }), context, () => Promise.resolve(ok({})))).rejects.toBeInstanceOf(UnprocessableError);
  });

  it('keeps callers apart whatever their sub and key hold: ["t", "a#b"] + "c" is not ["t", "a"] + "b#c" (issue 18)', async () => {
    const execute = executor();
    const suffix = randomUUID();
    const first = await execute(call(`c#${suffix}`, { body: 'same' }, ['t', 'a#b']), context, () => Promise.resolve(ok({ who: 'a#b' })));
    const second = await execute(call(`b#c#${suffix}`, { body: 'same' }, ['t', 'a']), context, () => Promise.resolve(ok({ who: 'a' })));
    expect(JSON.parse(first.body)).toEqual({ who: 'a#b' });
    expect(JSON.parse(second.body)).toEqual({ who: 'a' });
    expect(second.headers).not.toHaveProperty('Idempotent-Replayed');
  });

  it('treats a replay after the TTL window as a new request', async () => {
    const execute = executor(1);
    const key = randomUUID();
    let runs = 0;
    await execute(call(key), context, () => Promise.resolve(ok({ run: ++runs })));
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const after = await execute(call(key), context, () => Promise.resolve(ok({ run: ++runs })));
    expect(runs).toBe(2);
    expect(JSON.parse(after.body)).toEqual({ run: 2 });
  });
});
