import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTable, PROJECT_ROOT } from '../../scripts/lib/localStack.ts';
import { createDocumentClient } from '../../src/adapters/dynamodb/dynamoClient.ts';
import { CALL_POLICY } from '../../src/adapters/aws/clientConfig.ts';
import { normalizeName } from '../../src/domain/entity.ts';
import { startDelayingProxy, type DelayingProxy } from '../support/delayingProxy.ts';

/**
 * A write whose answer arrives after the client gave up on it. The real createEntity handler runs
 * in-process against DynamoDB Local behind an HTTP proxy of the test's own (tests/support/
 * delayingProxy.ts), which passes a request on at once but holds DynamoDB's answer past the SDK's
 * request timeout: the write happened, the caller's attempt timed out, and the SDK sends it again. Because the retry is
 * the same request (the SDK fills `ClientRequestToken` once per call), DynamoDB answers it as the
 * transaction it already applied: one entity, a 201 for the caller, and that 201 is what the
 * Idempotency-Key replays.
 */
const table = `retry-safety-${randomUUID()}`;
let proxy: DelayingProxy;
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
let template: APIGatewayProxyEvent;

const context = { awsRequestId: 'r', functionName: 'createEntity', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:0:function:createEntity', memoryLimitInMB: '1024', logGroupName: 'g', logStreamName: 's', callbackWaitsForEmptyEventLoop: false, getRemainingTimeInMillis: () => 10_000, done: () => undefined, fail: () => undefined, succeed: () => undefined } as Context;

beforeAll(async () => {
  const endpoint = inject('dynamoEndpoint');
  await ensureTable(endpoint, table);
  proxy = await startDelayingProxy(endpoint);
  Object.assign(process.env, {
    STAGE: 'local', AWS_REGION: 'eu-west-1', ENTITIES_TABLE: table, DYNAMODB_ENDPOINT: proxy.endpoint, IDENTITY_PROVIDER: 'local',
    LOCAL_ISSUER_DIR: inject('issuerDir'), CURSOR_SIGNING_KEY: 'local-only-cursor-signing-key', EVENT_BUS_NAME: 'unused',
    POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_TRACE_ENABLED: 'false', POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  ({ handler } = await import('../../functions/entities/createEntity.ts'));
  template = JSON.parse(await readFile(join(PROJECT_ROOT, 'events', 'create-entity.json'), 'utf8')) as APIGatewayProxyEvent;
}, 60_000);
afterAll(() => proxy.stop());

/** DynamoDB applied it; the caller hears of it only after its request timeout. */
const LATE = CALL_POLICY.requestTimeoutMs + 1500;

function create(name: string, key: string): Promise<APIGatewayProxyResult> {
  const headers = { ...template.headers, 'Idempotency-Key': key };
  return handler({ ...template, headers, multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])), body: JSON.stringify({ name, attributes: { n: 1 } }) }, context);
}

describe('a write whose answer is delayed past the client timeout', () => {
  it('a create: ends as one entity and a 201 for the caller, and the Idempotency-Key replays that 201', async () => {
    const name = `slow answer ${randomUUID()}`;
    const key = randomUUID();
    proxy.delayNext('TransactWriteItems', LATE);
    const before = proxy.calls.length;
    const response = await create(name, key);
    expect(response.statusCode, response.body).toBe(201);
    const created = JSON.parse(response.body) as { id: string; version: number };
    expect(created.version).toBe(1);

    // The SDK sent the transaction twice, the second time after the first timed out, with the same token.
    const sent = proxy.calls.slice(before).filter((c) => c.operation === 'TransactWriteItems');
    expect(sent.map((t) => t.delayed)).toEqual([true, false]);
    expect(sent[0]!.input['ClientRequestToken']).toMatch(/\S/);
    expect(sent[1]!.input['ClientRequestToken']).toBe(sent[0]!.input['ClientRequestToken']);

    // One entity holds the name.
    const { Items } = await createDocumentClient({ region: 'eu-west-1', endpoint: inject('dynamoEndpoint') }).send(
      new QueryCommand({ TableName: table, IndexName: 'NameIndex', KeyConditionExpression: 'nameKey = :n', ExpressionAttributeValues: { ':n': normalizeName(name) } }),
    );
    expect(Items?.filter((item) => item['type'] === 'Entity').map((item) => item['id'])).toEqual([created.id]);

    const replay = await create(name, key);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers?.['Idempotent-Replayed']).toBe('true');
    expect(JSON.parse(replay.body)).toEqual(created);
  }, 30_000);

  it('the Idempotency-Key\'s in-progress record: the SDK\'s retry meets its own earlier write, and the request goes on (no "already in progress")', async () => {
    const key = randomUUID();
    proxy.delayNext('PutItem', LATE);
    const before = proxy.calls.length;
    const response = await create(`slow lock ${randomUUID()}`, key);
    expect(response.statusCode, response.body).toBe(201);
    const puts = proxy.calls.slice(before).filter((c) => c.operation === 'PutItem');
    expect(puts.map((c) => c.delayed)).toEqual([true, false]);
    const replay = await create('ignored: the key already has its outcome', key);
    expect(replay.statusCode).toBe(422); // same key, another body: refused, the first outcome kept
  }, 30_000);
});
