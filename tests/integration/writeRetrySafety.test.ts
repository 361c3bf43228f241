import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTable, PROJECT_ROOT } from '../../scripts/lib/localStack.ts';
import { createDocumentClient } from '../../src/adapters/dynamodb/dynamoClient.ts';
import { CALL_POLICY } from '../../src/adapters/aws/clientConfig.ts';
import { normalizeName } from '../../src/domain/entity.ts';

/**
 * A write whose answer arrives after the client gave up on it. The real createEntity handler runs
 * in-process against DynamoDB Local behind an HTTP proxy of the test's own, which passes the first
 * TransactWriteItems on at once but holds DynamoDB's answer past the SDK's request timeout: the
 * write happened, the caller's attempt timed out, and the SDK sends it again. Because the retry is
 * the same request (the SDK fills `ClientRequestToken` once per call), DynamoDB answers it as the
 * transaction it already applied: one entity, a 201 for the caller, and that 201 is what the
 * Idempotency-Key replays.
 */
const table = `retry-safety-${randomUUID()}`;
let proxy: Server;
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
let template: APIGatewayProxyEvent;
/** What each TransactWriteItems request carried, in order. */
const transactions: { token: string | undefined; delayed: boolean }[] = [];
let delayNext = false;

const context = { awsRequestId: 'r', functionName: 'createEntity', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:0:function:createEntity', memoryLimitInMB: '1024', logGroupName: 'g', logStreamName: 's', callbackWaitsForEmptyEventLoop: false, getRemainingTimeInMillis: () => 10_000, done: () => undefined, fail: () => undefined, succeed: () => undefined } as Context;

beforeAll(async () => {
  const endpoint = inject('dynamoEndpoint');
  await ensureTable(endpoint, table);
  const upstream = new URL(endpoint);
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isTransaction = req.headers['x-amz-target'] === 'DynamoDB_20120810.TransactWriteItems';
      const delayed = isTransaction && delayNext;
      if (isTransaction) {
        transactions.push({ token: (JSON.parse(body.toString('utf8')) as { ClientRequestToken?: string }).ClientRequestToken, delayed });
        delayNext = false;
      }
      const forwarded = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        const answerChunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => answerChunks.push(chunk));
        answer.on('end', () => {
          const reply = () => {
            if (res.destroyed) return;
            res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(answerChunks));
          };
          // DynamoDB applied it; the caller hears of it only after its request timeout.
          if (delayed) setTimeout(reply, CALL_POLICY.requestTimeoutMs + 1500).unref();
          else reply();
        });
      });
      forwarded.on('error', () => res.destroy());
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  Object.assign(process.env, {
    STAGE: 'local', AWS_REGION: 'eu-west-1', ENTITIES_TABLE: table, DYNAMODB_ENDPOINT: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, IDENTITY_PROVIDER: 'local',
    LOCAL_ISSUER_DIR: inject('issuerDir'), CURSOR_SIGNING_KEY: 'local-only-cursor-signing-key', EVENT_BUS_NAME: 'unused',
    POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_TRACE_ENABLED: 'false', POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  ({ handler } = await import('../../functions/entities/createEntity.ts'));
  template = JSON.parse(await readFile(join(PROJECT_ROOT, 'events', 'create-entity.json'), 'utf8')) as APIGatewayProxyEvent;
}, 60_000);
afterAll(() => new Promise((resolve) => proxy.close(resolve)));

function create(name: string, key: string): Promise<APIGatewayProxyResult> {
  const headers = { ...template.headers, 'Idempotency-Key': key };
  return handler({ ...template, headers, multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])), body: JSON.stringify({ name, attributes: { n: 1 } }) }, context);
}

describe('a write whose answer is delayed past the client timeout', () => {
  it('ends as one entity and a 201 for the caller, and the Idempotency-Key replays that 201', async () => {
    const name = `slow answer ${randomUUID()}`;
    const key = randomUUID();
    delayNext = true;
    const before = transactions.length;
    const response = await create(name, key);
    expect(response.statusCode, response.body).toBe(201);
    const created = JSON.parse(response.body) as { id: string; version: number };
    expect(created.version).toBe(1);

    // The SDK sent the transaction twice, the second time after the first timed out, with the same token.
    const sent = transactions.slice(before);
    expect(sent.map((t) => t.delayed)).toEqual([true, false]);
    expect(sent[0]!.token).toMatch(/\S/);
    expect(sent[1]!.token).toBe(sent[0]!.token);

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
});
