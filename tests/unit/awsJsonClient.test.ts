import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsJsonClient, AwsServiceError, AwsTimeoutError, endpointFor, type AwsCall, type AwsCallOutcome } from '../../src/adapters/aws/awsJsonClient.ts';
import { CREDENTIALS, expectValidSignature, type Received } from '../support/sigv4.ts';

/**
 * The AWS JSON-protocol client against a local stand-in that records each request exactly as it
 * arrives and answers from a script: what is sent (target, content type, body, signature), the
 * retry rules, the timeouts, connection reuse and what an observer is told.
 */
type Answer = { status: number; body?: unknown; text?: string } | 'hang' | 'reset';

let server: Server;
let endpoint: string;
let received: Received[] = [];
let answers: Answer[] = [];
let connections = 0;
const open = new Set<Socket>();

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), path: req.url ?? '' });
      const answer = answers.shift() ?? { status: 500, body: { __type: 'InternalFailure', message: 'no answer queued' } };
      if (answer === 'hang') return; // never answers
      if (answer === 'reset') return void req.socket.destroy();
      const body = answer.text ?? (answer.body === undefined ? '' : JSON.stringify(answer.body));
      res.writeHead(answer.status, { 'content-type': answer.text === undefined ? 'application/x-amz-json-1.0' : 'text/html', 'x-amzn-requestid': `req-${received.length}` }).end(body);
    });
  });
  server.on('connection', (socket: Socket) => {
    connections += 1;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(process.env, CREDENTIALS);
});
afterAll(async () => {
  for (const key of Object.keys(CREDENTIALS)) delete process.env[key];
  for (const socket of open) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});
afterEach(() => {
  received = [];
  answers = [];
  connections = 0;
});

function dynamo(options: Partial<ConstructorParameters<typeof AwsJsonClient>[0]> = {}): AwsJsonClient {
  return new AwsJsonClient({ signingName: 'dynamodb', serviceId: 'DynamoDB', targetPrefix: 'DynamoDB_20120810', jsonVersion: '1.0', region: 'eu-west-1', endpoint, ...options });
}

describe('AwsJsonClient', () => {
  it('sends the JSON-protocol request the SDK would: POST /, the target, the content type, the body, SigV4 with the environment credentials', async () => {
    const client = dynamo();
    answers.push({ status: 200, body: { Item: { pk: { S: 'a' } } } });
    const input = { TableName: 't', Key: { pk: { S: 'a' }, sk: { S: 'b' } }, ConsistentRead: true };
    expect(await client.call('GetItem', input)).toEqual({ Item: { pk: { S: 'a' } } });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.path).toBe('/');
    expect(JSON.parse(request!.body)).toEqual(input);
    expect(request!.headers).toMatchObject({ 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem', 'x-amz-security-token': CREDENTIALS.AWS_SESSION_TOKEN });
    expectValidSignature(request!, 'dynamodb', 'eu-west-1');
    client.destroy();
  });

  it('signs with static credentials when given them (the local stand-ins), not the environment', async () => {
    const client = dynamo({ credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    answers.push({ status: 200, body: {} });
    await client.call('DescribeLimits', {});
    expect(String(received[0]!.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/eu-west-1\/dynamodb\/aws4_request, /);
    expect(received[0]!.headers).not.toHaveProperty('x-amz-security-token');
    client.destroy();
  });

  it('asks a credential provider at every call, so rotated credentials are used at once', async () => {
    const issued = [{ accessKeyId: 'ASIAFIRST', secretAccessKey: 'one', sessionToken: 't1' }, { accessKeyId: 'ASIASECOND', secretAccessKey: 'two', sessionToken: 't2' }];
    let calls = 0;
    const client = dynamo({ credentials: () => Promise.resolve(issued[Math.min(calls++, 1)]!) });
    answers.push({ status: 200, body: {} }, { status: 200, body: {} });
    await client.call('DescribeLimits', {});
    await client.call('DescribeLimits', {});
    expect(received.map((r) => [String(r.headers.authorization).match(/Credential=(\w+)\//)?.[1], r.headers['x-amz-security-token']])).toEqual([['ASIAFIRST', 't1'], ['ASIASECOND', 't2']]);
    client.destroy();
  });

  it('keeps the connection alive: calls after the first reuse it', async () => {
    const client = dynamo();
    answers.push({ status: 200, body: {} }, { status: 200, body: {} }, { status: 200, body: {} });
    for (let i = 0; i < 3; i++) await client.call('DescribeLimits', {});
    expect(received).toHaveLength(3);
    expect(connections).toBe(1);
    client.destroy();
  });

  it('retries throttling, 5xx answers and dropped connections with backoff, then succeeds', async () => {
    const client = dynamo({ maxAttempts: 4 });
    answers.push({ status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'slow down' } }, { status: 503, body: {} }, 'reset', { status: 200, body: { ok: true } });
    expect(await client.call('GetItem', { TableName: 't' })).toEqual({ ok: true });
    expect(received).toHaveLength(4);
    // Every attempt is signed afresh and carries the same request.
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
    client.destroy();
  });

  it('fails at once with the service error for a client error: its code, status, request id, message and document', async () => {
    const client = dynamo();
    const document = { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed', Item: { pk: { S: 'a' } } };
    answers.push({ status: 400, body: document });
    const error = await client.call('PutItem', { TableName: 't' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({ code: 'ConditionalCheckFailedException', statusCode: 400, requestId: 'req-1', message: 'DynamoDB PutItem: ConditionalCheckFailedException: The conditional request failed', document });
    expect(received).toHaveLength(1);
    client.destroy();
  });

  it('gives up after the last attempt with the last error', async () => {
    const client = dynamo({ maxAttempts: 2 });
    answers.push({ status: 500, body: { __type: 'InternalServerError', message: 'one' } }, { status: 500, body: { __type: 'InternalServerError', message: 'two' } });
    await expect(client.call('GetItem', {})).rejects.toMatchObject({ code: 'InternalServerError', message: 'DynamoDB GetItem: InternalServerError: two' });
    expect(received).toHaveLength(2);
    client.destroy();
  });

  it('abandons an attempt that gets no answer within the request timeout, and retries it', async () => {
    const client = dynamo({ maxAttempts: 2, requestTimeoutMs: 150 });
    answers.push('hang', { status: 200, body: { second: true } });
    expect(await client.call('GetItem', {})).toEqual({ second: true });
    expect(received).toHaveLength(2);

    answers.push('hang', 'hang');
    const error = await client.call('GetItem', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsTimeoutError);
    expect((error as Error).message).toBe('DynamoDB GetItem: no answer within 150 ms');
    client.destroy();
  });

  it('refuses an answer that is not JSON with the status and the start of the body', async () => {
    const client = dynamo({ maxAttempts: 1 });
    answers.push({ status: 502, text: '<html>Bad Gateway</html>' });
    const error = await client.call('GetItem', {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'Http502', statusCode: 502, message: 'DynamoDB GetItem: an answer that is not JSON (HTTP 502): <html>Bad Gateway</html>' });
    client.destroy();
  });

  it('tells the observer of each call: service, operation, region and input first; attempts, status and request id at the end; and sends its trace header unsigned', async () => {
    const seen: { call: AwsCall; outcome?: AwsCallOutcome }[] = [];
    const observer = {
      start(call: AwsCall) {
        const entry: { call: AwsCall; outcome?: AwsCallOutcome } = { call };
        seen.push(entry);
        return { traceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1', end: (outcome: AwsCallOutcome) => (entry.outcome = outcome) };
      },
    };
    const client = dynamo({ observer, maxAttempts: 3 });
    answers.push({ status: 503, body: {} }, { status: 200, body: {} });
    await client.call('GetItem', { TableName: 'entities' });
    answers.push({ status: 400, body: { __type: 'ValidationException', message: 'bad' } });
    const failure = await client.call('Query', { TableName: 'entities' }).catch((e: unknown) => e);

    expect(seen).toEqual([
      { call: { serviceId: 'DynamoDB', operation: 'GetItem', region: 'eu-west-1', input: { TableName: 'entities' } }, outcome: { attempts: 2, statusCode: 200, requestId: 'req-2' } },
      { call: { serviceId: 'DynamoDB', operation: 'Query', region: 'eu-west-1', input: { TableName: 'entities' } }, outcome: { attempts: 1, statusCode: 400, requestId: 'req-3', error: failure } },
    ]);
    expect(received.map((r) => r.headers['x-amzn-trace-id'])).toEqual(Array(3).fill('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1'));
    expect(String(received[0]!.headers.authorization)).not.toContain('x-amzn-trace-id');
    expectValidSignature(received[0]!, 'dynamodb', 'eu-west-1');
    client.destroy();
  });

  it('uses AWS_ENDPOINT_URL_<SERVICE ID>, then AWS_ENDPOINT_URL, then the regional endpoint of the partition', () => {
    expect(endpointFor('Secrets Manager', 'secretsmanager', 'eu-west-1', {})).toBe('https://secretsmanager.eu-west-1.amazonaws.com');
    expect(endpointFor('EventBridge', 'events', 'us-east-1', {})).toBe('https://events.us-east-1.amazonaws.com');
    expect(endpointFor('DynamoDB', 'dynamodb', 'cn-north-1', {})).toBe('https://dynamodb.cn-north-1.amazonaws.com.cn');
    expect(endpointFor('Secrets Manager', 'secretsmanager', 'eu-west-1', { AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://sm', AWS_ENDPOINT_URL: 'http://all' })).toBe('http://sm');
    expect(endpointFor('SSM', 'ssm', 'eu-west-1', { AWS_ENDPOINT_URL: 'http://all' })).toBe('http://all');
  });
});
