import { randomBytes, randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { ensureTable, PROJECT_ROOT } from '../../scripts/lib/localStack.ts';

/**
 * The tracer end to end: a handler built with the shared middy stack (src/http/httpHandler.ts)
 * reads DynamoDB Local through a client captured by the container's tracer; a UDP socket of the
 * test's own stands in for the X-Ray daemon, and an HTTP proxy in front of DynamoDB Local records
 * the trace header the SDK sends.
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
 * DynamoDB), and `?block=` naming a `captureAsync` block around the read.
 */
function invoke(traced: Handler, header: string | undefined, tableName = table, block?: string): Promise<APIGatewayProxyResult> {
  if (header === undefined) delete process.env._X_AMZN_TRACE_ID;
  else process.env._X_AMZN_TRACE_ID = header;
  return traced({ ...template, queryStringParameters: { table: tableName, ...(block && { block }) } }, context);
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

/** The route under test, built with the shared stack, over a DynamoDB client the given tracer captured. */
async function tracedRoute(): Promise<{ handler: Handler; observer: unknown }> {
  const { httpHandler } = await import('../../src/http/httpHandler.ts');
  const { tracer } = await import('../../src/observability/tracer.ts');
  const { createDocumentClient } = await import('../../src/adapters/dynamodb/documentClient.ts');
  const { jsonResponse } = await import('../../src/http/responses.ts');
  const proxyEndpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const observer = tracer.awsCallObserver();
  const documentClient = createDocumentClient({ region: 'eu-west-1', endpoint: proxyEndpoint, observer });
  const route = httpHandler(async ({ event }) => {
    const { table: tableName, block } = event.queryStringParameters ?? {};
    const read = () => documentClient.get({ TableName: tableName!, Key: { pk: 'ENTITY#none', sk: 'METADATA' } });
    const { Item } = block ? await tracer.captureAsync(block, read) : await read();
    return jsonResponse(200, { found: Item !== undefined });
  });
  return { handler: route, observer };
}

beforeAll(async () => {
  // The runtime's invoke store, as Lambda sets it up when it runs invocations concurrently; made
  // before any SDK call (the SDK would otherwise install a single-invocation store).
  await InvokeStore.getInstanceAsync(true);
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
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${(daemon.address()).port}`,
    _HANDLER: HANDLER_NAME,
    AWS_LAMBDA_FUNCTION_NAME: 'traced',
    POWERTOOLS_SERVICE_NAME: SERVICE,
    POWERTOOLS_TRACE_ENABLED: 'true',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  ({ handler } = await tracedRoute());
  template = JSON.parse(await readFile(join(PROJECT_ROOT, 'events', 'health.json'), 'utf8')) as APIGatewayProxyEvent;
}, 60_000);

afterAll(async () => {
  daemon?.close();
  await new Promise((resolve) => proxy?.close(resolve));
});

describe('X-Ray tracing of a handler and its DynamoDB calls (UDP to the daemon)', () => {
  it('sends the handler subsegment under the Lambda segment and the DynamoDB call under it, and passes the trace on', async () => {
    const trace = traceHeader();
    const headersBefore = sentTraceHeaders.length;
    const response = await invoke(handler, trace.header);
    expect(response.statusCode, response.body).toBe(200);

    const [call, invocation] = await documentsOf(trace.root, 2);
    expect(invocation).toEqual({
      type: 'subsegment',
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      trace_id: trace.root,
      parent_id: trace.parent,
      name: `## ${HANDLER_NAME}`,
      start_time: expect.any(Number),
      end_time: expect.any(Number),
      annotations: { ColdStart: true, Service: SERVICE },
    });
    expect(call).toEqual({
      type: 'subsegment',
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      trace_id: trace.root,
      parent_id: invocation!.id,
      name: 'DynamoDB',
      namespace: 'aws',
      start_time: expect.any(Number),
      end_time: expect.any(Number),
      aws: { operation: 'GetItem', region: 'eu-west-1', request_id: expect.stringMatching(/\S/), table_name: table, retries: 0 },
      http: { response: { status: 200 } },
    });
    expect(call!.id).not.toBe(invocation!.id);
    // Epoch seconds, the call inside the invocation.
    expect(Math.abs(invocation!.start_time - Date.now() / 1000)).toBeLessThan(10);
    expect(invocation!.start_time).toBeLessThanOrEqual(call!.start_time);
    expect(call!.start_time).toBeLessThan(call!.end_time);
    expect(call!.end_time).toBeLessThanOrEqual(invocation!.end_time);

    expect(sentTraceHeaders.slice(headersBefore)).toEqual([`Root=${trace.root};Parent=${call!.id};Sampled=1`]);
  });

  it('annotates ColdStart false after the first invocation', async () => {
    const trace = traceHeader();
    await invoke(handler, trace.header);
    const found = await documentsOf(trace.root, 2);
    expect(found.map((d) => d.name)).toEqual(['DynamoDB', `## ${HANDLER_NAME}`]);
    expect(found[1]!.annotations).toEqual({ ColdStart: false, Service: SERVICE });
  });

  it('flags a failing call as an error with its cause (a missing table: 400), and the invocation by its 500', async () => {
    const trace = traceHeader();
    const response = await invoke(handler, trace.header, `missing-${randomUUID()}`);
    expect(response.statusCode).toBe(500);

    const [call, invocation] = await documentsOf(trace.root, 2);
    expect(call).toMatchObject({ name: 'DynamoDB', parent_id: invocation!.id, error: true, http: { response: { status: 400 } }, aws: { operation: 'GetItem', retries: 0 } });
    expect(call!.fault).toBeUndefined();
    expect(call!.throttle).toBeUndefined();
    expect(call!.cause.exceptions).toEqual([{ id: expect.stringMatching(/^[0-9a-f]{16}$/), type: 'ResourceNotFoundException', message: expect.stringMatching(/\S/), remote: true }]);

    expect(invocation).toMatchObject({ name: `## ${HANDLER_NAME}`, parent_id: trace.parent, fault: true });
    expect(invocation!.error).toBeUndefined();
    const [exception] = invocation!.cause.exceptions;
    expect(exception).toMatchObject({ type: 'ResourceNotFoundException', message: call!.cause.exceptions[0].message });
    expect(exception.stack.length).toBeGreaterThan(0);
    expect(exception.stack.length).toBeLessThanOrEqual(10);
    // The response body is never recorded.
    expect(JSON.stringify(invocation)).not.toContain('correlationId');
  });

  it('nests a captureAsync block under the invocation, and the calls made inside it under the block', async () => {
    const trace = traceHeader();
    await invoke(handler, trace.header, table, 'lookup');
    const [call, block, invocation] = await documentsOf(trace.root, 3);
    expect(invocation).toMatchObject({ name: `## ${HANDLER_NAME}`, parent_id: trace.parent });
    expect(block).toEqual({ type: 'subsegment', id: expect.stringMatching(/^[0-9a-f]{16}$/), trace_id: trace.root, parent_id: invocation!.id, name: 'lookup', start_time: expect.any(Number), end_time: expect.any(Number) });
    expect(call).toMatchObject({ name: 'DynamoDB', parent_id: block!.id });
    expect(sentTraceHeaders.at(-1)).toBe(`Root=${trace.root};Parent=${call!.id};Sampled=1`);

    const failing = traceHeader();
    await invoke(handler, failing.header, `missing-${randomUUID()}`, 'lookup');
    const [failedCall, failedBlock] = await documentsOf(failing.root, 3);
    expect(failedCall).toMatchObject({ name: 'DynamoDB', parent_id: failedBlock!.id, error: true });
    expect(failedBlock).toMatchObject({ name: 'lookup', fault: true, cause: { exceptions: [{ type: 'ResourceNotFoundException' }] } });
  });

  it('records nothing for an unsampled invocation or one without a trace header, and sends the SDK no trace of ours', async () => {
    const unsampled = traceHeader(false);
    const headersBefore = sentTraceHeaders.length;
    expect((await invoke(handler, unsampled.header)).statusCode).toBe(200);
    expect((await invoke(handler, undefined)).statusCode).toBe(200);
    // Datagrams on the loopback arrive in order: once the next sampled trace is in, nothing else came.
    const next = traceHeader();
    const count = datagrams.length;
    await invoke(handler, next.header);
    await documentsOf(next.root, 2);
    expect(documents().slice(count).map((d) => d.trace_id)).toEqual([next.root, next.root]);
    expect(sentTraceHeaders[headersBefore]).toBe(unsampled.header); // the SDK's own recursion detection: the Lambda header as it came
    expect(sentTraceHeaders[headersBefore + 1]).toBeUndefined();
  });

  it('keeps concurrent invocations apart (the invoke store of a multi-concurrency runtime)', async () => {
    const store = await InvokeStore.getInstanceAsync();
    const traces = [traceHeader(), traceHeader(), traceHeader()];
    delete process.env._X_AMZN_TRACE_ID;
    const responses = await Promise.all(traces.map((trace) =>
      store.run({ [InvokeStoreBase.PROTECTED_KEYS.X_RAY_TRACE_ID]: trace.header }, () => handler({ ...template, queryStringParameters: { table } }, context)),
    ));
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    for (const trace of traces) {
      const found = await documentsOf(trace.root, 2);
      const invocation = found.find((d) => d.name === `## ${HANDLER_NAME}`);
      const call = found.find((d) => d.name === 'DynamoDB');
      expect(invocation?.parent_id).toBe(trace.parent);
      expect(call?.parent_id).toBe(invocation?.id);
    }
  });

  it('does nothing when POWERTOOLS_TRACE_ENABLED is false: no observer on the client, the invocation\'s header passed on as it came, no datagram', async () => {
    process.env.POWERTOOLS_TRACE_ENABLED = 'false';
    vi.resetModules();
    const disabled = await tracedRoute();
    expect(disabled.observer).toBeUndefined();
    const off = traceHeader();
    const headersBefore = sentTraceHeaders.length;
    expect((await invoke(disabled.handler, off.header)).statusCode).toBe(200);
    expect(sentTraceHeaders.slice(headersBefore)).toEqual([off.header]);

    const next = traceHeader();
    const count = datagrams.length;
    await invoke(handler, next.header);
    await documentsOf(next.root, 2);
    expect(documents().slice(count).map((d) => d.trace_id)).toEqual([next.root, next.root]);
  });
});
