import { randomBytes, randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Pool } from 'pg';
import { ensureTable, PROJECT_ROOT } from '../../scripts/lib/localStack.ts';

/**
 * Tracing end to end (src/observability/tracing.ts: Powertools Tracer): a handler built with the
 * shared middy stack (src/http/httpHandler.ts) reads DynamoDB Local through a traced SDK client and
 * queries PostgreSQL through the traced pool; a UDP socket of the test's own stands in for the
 * X-Ray daemon, and an HTTP proxy in front of DynamoDB Local records the trace header the SDK sends.
 * The environment is Lambda's as the X-Ray SDK reads it when it loads (LAMBDA_TASK_ROOT, the
 * execution environment, an on-demand container).
 */
type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
type Document = Record<string, any>;

const table = `tracer-${randomUUID()}`;
const HANDLER_NAME = 'functions/traced.handler';
const SERVICE = 'entity-platform-tracer-test';
const context = { awsRequestId: 'r', functionName: 'traced', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

let daemon: Socket;
let proxy: Server;
let template: APIGatewayProxyEvent;
let handler: Handler;
let pool: Pool;
/** Every datagram the daemon received, as text. */
const datagrams: string[] = [];
/** The X-Amzn-Trace-Id of every request that reached DynamoDB, in order. */
const sentTraceHeaders: (string | undefined)[] = [];

/** A fresh trace header as Lambda passes it: a new trace, the Lambda segment as Parent. */
function traceHeader(sampled = true) {
  const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  const parent = randomBytes(8).toString('hex');
  return { root, parent, header: `Root=${root};Parent=${parent};Sampled=${sampled ? 1 : 0}` };
}

/**
 * GET with `?table=` naming the table the route reads (a missing one fails with a 400 from
 * DynamoDB), `?block=` naming a `traced` block around the read, or `?sql=` a query for PostgreSQL.
 */
function invoke(traced: Handler, header: string | undefined, tableName = table, block?: string, sql?: string): Promise<APIGatewayProxyResult> {
  if (header === undefined) delete process.env._X_AMZN_TRACE_ID;
  else process.env._X_AMZN_TRACE_ID = header;
  return traced({ ...template, queryStringParameters: { table: tableName, ...(block && { block }), ...(sql && { sql }) } }, context);
}

/** Parses each datagram into its header line and document; the header line is checked here. */
function documents(): Document[] {
  return datagrams.map((datagram) => {
    const newline = datagram.indexOf('\n');
    expect(datagram.slice(0, newline)).toBe('{"format":"json","version":1}');
    return JSON.parse(datagram.slice(newline + 1)) as Document;
  });
}

/** The documents of one trace, once `count` of them have arrived. */
async function documentsOf(traceId: string, count: number): Promise<Document[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const found = documents().filter((d) => d.trace_id === traceId);
    if (found.length >= count || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The route under test, built with the shared stack, over a traced DynamoDB client and a traced pool. */
async function tracedRoute(): Promise<{ handler: Handler; pool: Pool }> {
  const { httpHandler } = await import('../../src/http/httpHandler.ts');
  const { traced } = await import('../../src/observability/tracing.ts');
  const { createDocumentClient } = await import('../../src/adapters/dynamodb/dynamoClient.ts');
  const { createPool } = await import('../../src/adapters/postgres/pool.ts');
  const { jsonResponse } = await import('../../src/http/responses.ts');
  const proxyEndpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const documentClient = createDocumentClient({ region: 'eu-west-1', endpoint: proxyEndpoint });
  const pool = createPool({ kind: 'url', url: inject('databaseUrl'), poolMax: 1 });
  const route = httpHandler(async ({ event }) => {
    const { table: tableName, block, sql } = event.queryStringParameters ?? {};
    if (sql) return jsonResponse(200, { rows: (await pool.query(sql)).rowCount });
    const read = () => documentClient.send(new GetCommand({ TableName: tableName!, Key: { pk: 'ENTITY#none', sk: 'METADATA' } }));
    const { Item } = block ? await traced(block, read) : await read();
    return jsonResponse(200, { found: Item !== undefined });
  });
  return { handler: route, pool };
}

beforeAll(async () => {
  const endpoint = inject('dynamoEndpoint');
  await ensureTable(endpoint, table);

  daemon = createSocket('udp4');
  daemon.on('message', (message) => datagrams.push(message.toString('utf8')));
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));

  const upstream = new URL(endpoint);
  proxy = createServer((req, res) => {
    sentTraceHeaders.push(req.headers['x-amzn-trace-id'] as string | undefined);
    const forwarded = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));

  Object.assign(process.env, {
    LAMBDA_TASK_ROOT: '/var/task',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${(daemon.address()).port}`,
    _HANDLER: HANDLER_NAME,
    AWS_LAMBDA_FUNCTION_NAME: 'traced',
    POWERTOOLS_SERVICE_NAME: SERVICE,
    POWERTOOLS_TRACE_ENABLED: 'true',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  ({ handler, pool } = await tracedRoute());
  template = JSON.parse(await readFile(join(PROJECT_ROOT, 'events', 'health.json'), 'utf8')) as APIGatewayProxyEvent;
}, 60_000);

afterAll(async () => {
  await pool?.end();
  for (const key of ['LAMBDA_TASK_ROOT', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_XRAY_DAEMON_ADDRESS', '_HANDLER', 'AWS_LAMBDA_FUNCTION_NAME', 'POWERTOOLS_TRACE_ENABLED', '_X_AMZN_TRACE_ID']) delete process.env[key];
  daemon?.close();
  await new Promise((resolve) => proxy?.close(resolve));
});

describe('X-Ray tracing of a handler and its calls (Powertools Tracer, UDP to the daemon)', () => {
  it('sends the handler subsegment under the Lambda segment and the DynamoDB call under it, and passes the trace on', async () => {
    const trace = traceHeader();
    const headersBefore = sentTraceHeaders.length;
    const response = await invoke(handler, trace.header);
    expect(response.statusCode, response.body).toBe(200);

    const [call, invocation] = await documentsOf(trace.root, 2);
    expect(invocation).toMatchObject({
      type: 'subsegment',
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      trace_id: trace.root,
      parent_id: trace.parent,
      name: `## ${HANDLER_NAME}`,
      annotations: { ColdStart: true, Service: SERVICE },
    });
    expect(call).toMatchObject({
      type: 'subsegment',
      trace_id: trace.root,
      parent_id: invocation!.id,
      name: 'DynamoDB',
      namespace: 'aws',
      aws: { operation: 'GetItem', region: 'eu-west-1', request_id: expect.stringMatching(/\S/), table_name: table },
      http: { response: { status: 200 } },
    });
    expect(invocation!.start_time).toBeLessThanOrEqual(call!.start_time);
    expect(call!.end_time).toBeLessThanOrEqual(invocation!.end_time);
    // The request carries the trace on, with the call's subsegment as its parent.
    expect(sentTraceHeaders.slice(headersBefore)).toEqual([expect.stringMatching(new RegExp(`^Root=${trace.root};Parent=${call!.id};Sampled=1`))]);
  });

  it('annotates ColdStart false after the first invocation', async () => {
    const trace = traceHeader();
    await invoke(handler, trace.header);
    const found = await documentsOf(trace.root, 2);
    expect(found.map((d) => d.name)).toEqual(['DynamoDB', `## ${HANDLER_NAME}`]);
    expect(found[1]!.annotations).toEqual({ ColdStart: false, Service: SERVICE });
  });

  it('flags a failing call as an error with its cause (a missing table: 400), and the invocation as a fault by its 500', async () => {
    const trace = traceHeader();
    const response = await invoke(handler, trace.header, `missing-${randomUUID()}`);
    expect(response.statusCode).toBe(500);

    const [call, invocation] = await documentsOf(trace.root, 2);
    expect(call).toMatchObject({ name: 'DynamoDB', parent_id: invocation!.id, http: { response: { status: 400 } }, aws: { operation: 'GetItem' } });
    expect(call!.cause.exceptions).toEqual([expect.objectContaining({ type: 'ResourceNotFoundException', remote: true })]);
    expect(invocation).toMatchObject({ name: `## ${HANDLER_NAME}`, parent_id: trace.parent, fault: true });
    // The response body is never recorded.
    expect(JSON.stringify(invocation)).not.toContain('correlationId');
  });

  it('nests a traced block under the invocation, and the calls made inside it under the block', async () => {
    const trace = traceHeader();
    await invoke(handler, trace.header, table, 'lookup');
    const [call, block, invocation] = await documentsOf(trace.root, 3);
    expect(invocation).toMatchObject({ name: `## ${HANDLER_NAME}`, parent_id: trace.parent });
    expect(block).toMatchObject({ type: 'subsegment', trace_id: trace.root, parent_id: invocation!.id, name: 'lookup' });
    expect(call).toMatchObject({ name: 'DynamoDB', parent_id: block!.id });

    const failing = traceHeader();
    await invoke(handler, failing.header, `missing-${randomUUID()}`, 'lookup');
    const [failedCall, failedBlock] = await documentsOf(failing.root, 3);
    expect(failedCall).toMatchObject({ name: 'DynamoDB', parent_id: failedBlock!.id, error: true });
    expect(failedBlock).toMatchObject({ name: 'lookup', cause: { exceptions: [expect.objectContaining({ type: 'ResourceNotFoundException' })] } });
  });

  it('records each PostgreSQL query as a subsegment of the invocation', async () => {
    const trace = traceHeader();
    expect((await invoke(handler, trace.header, table, undefined, 'SELECT 1')).statusCode).toBe(200);
    const [query, invocation] = await documentsOf(trace.root, 2);
    expect(query).toMatchObject({ name: 'PostgreSQL', parent_id: invocation!.id, trace_id: trace.root });
    expect(query!.fault).toBeUndefined();

    const failing = traceHeader();
    expect((await invoke(handler, failing.header, table, undefined, 'SELECT * FROM no_such_table')).statusCode).toBe(500);
    const [failedQuery] = await documentsOf(failing.root, 2);
    expect(failedQuery).toMatchObject({ name: 'PostgreSQL', cause: { exceptions: [expect.objectContaining({ message: expect.stringContaining('no_such_table') })] } });
  });

  it('records nothing for an unsampled invocation or one without a trace header', async () => {
    const unsampled = traceHeader(false);
    expect((await invoke(handler, unsampled.header)).statusCode).toBe(200);
    expect((await invoke(handler, undefined)).statusCode).toBe(200);
    // Datagrams on the loopback arrive in order: once the next sampled trace is in, nothing else came.
    const next = traceHeader();
    const count = datagrams.length;
    await invoke(handler, next.header);
    await documentsOf(next.root, 2);
    expect(documents().slice(count).map((d) => d.trace_id)).toEqual([next.root, next.root]);
  });

  it('does nothing when POWERTOOLS_TRACE_ENABLED is false: no subsegment, no datagram', async () => {
    process.env.POWERTOOLS_TRACE_ENABLED = 'false';
    vi.resetModules();
    const disabled = await tracedRoute();
    try {
      const off = traceHeader();
      const count = datagrams.length;
      expect((await invoke(disabled.handler, off.header)).statusCode).toBe(200);
      expect((await invoke(disabled.handler, off.header, table, undefined, 'SELECT 1')).statusCode).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(datagrams.slice(count)).toEqual([]);
    } finally {
      await disabled.pool.end();
      process.env.POWERTOOLS_TRACE_ENABLED = 'true';
    }
  });
});
