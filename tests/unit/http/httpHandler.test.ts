import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod/mini';
import { httpHandler } from '../../../src/http/httpHandler.ts';
import { HttpProblem } from '../../../src/http/problem.ts';

const context = { functionName: 'getEntity', awsRequestId: 'req-1', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:1:function:getEntity', memoryLimitInMB: '1024', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const event = (headers: Record<string, string>) =>
  ({ httpMethod: 'GET', resource: '/api/v1/data/entities/{id}', path: '/api/v1/data/entities/x', pathParameters: { id: 'x' }, headers, requestContext: { requestId: 'gw-1' } }) as unknown as APIGatewayProxyEvent;

/** The JSON log lines a call writes (Powertools logs to stdout). */
async function logLinesOf(call: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const chunks: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (chunks.push(String(chunk)), true));
  try {
    await call();
  } finally {
    stdout.mockRestore();
  }
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{"level"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the shared HTTP stack', () => {
  it("puts the request's correlation id, method and resource on its log lines, and only for that request", async () => {
    const handler = httpHandler(() => Promise.reject(new HttpProblem('not-found', 'No such thing.')));
    const [first] = await logLinesOf(() => handler(event({ 'X-Correlation-Id': 'corr-42' }), context));
    expect(first).toMatchObject({ message: 'Request rejected', correlation_id: 'corr-42', httpMethod: 'GET', resource: '/api/v1/data/entities/{id}', function_request_id: 'req-1' });
    // Without a usable header, the gateway's request id; the previous request's keys are gone.
    const [second] = await logLinesOf(() => handler(event({ 'x-correlation-id': 'not valid!' }), context));
    expect(second).toMatchObject({ correlation_id: 'gw-1', httpMethod: 'GET' });
  });

  it('answers with the correlation id header on success and on a problem', async () => {
    const ok = httpHandler(() => Promise.resolve({ statusCode: 200, headers: { 'X-Cache': 'HIT' }, body: '{}' }));
    await expect(ok(event({ 'x-correlation-id': 'c-1' }), context)).resolves.toEqual({ statusCode: 200, headers: { 'X-Cache': 'HIT', 'x-correlation-id': 'c-1' }, body: '{}' });
    const problem = httpHandler(() => Promise.reject(new HttpProblem('not-found', 'No such thing.')));
    const answered = await problem(event({}), context);
    expect(answered).toMatchObject({ statusCode: 404, headers: { 'x-correlation-id': 'gw-1' } });
  });

  it("starts the route's prefetch from the parsed path before the middleware stack, and hands the route what it started", async () => {
    const order: string[] = [];
    const handler = httpHandler(
      {
        path: z.object({ id: z.string() }),
        prefetch: (raw, path) => {
          // The stack has not run: no correlation id on the logger yet, no response.
          order.push(`prefetch ${raw.path} id=${path.id}`);
          return { id: path.id };
        },
      },
      ({ ahead }) => {
        order.push(`route ahead=${ahead?.id}`);
        return Promise.resolve({ statusCode: 200, headers: {}, body: '{}' });
      },
    );
    await expect(handler(event({ 'x-correlation-id': 'c-2' }), context)).resolves.toMatchObject({ statusCode: 200, headers: { 'x-correlation-id': 'c-2' } });
    expect(order).toEqual(['prefetch /api/v1/data/entities/x id=x', 'route ahead=x']);
  });

  it('runs the route without a prefetch that threw or started nothing, and never hands one invocation another\'s', async () => {
    const seen: unknown[] = [];
    let next: () => { id: string } | undefined = () => {
      throw new Error('bad event');
    };
    const handler = httpHandler({ prefetch: () => next() }, ({ ahead }) => {
      seen.push(ahead);
      return Promise.resolve({ statusCode: 200, headers: {}, body: '{}' });
    });
    expect((await handler(event({}), context)).statusCode).toBe(200);
    next = () => ({ id: 'first' });
    await handler(event({}), context);
    next = () => undefined;
    await handler(event({}), context); // the same context object again, as a test harness may pass
    expect(seen).toEqual([undefined, { id: 'first' }, undefined]);
  });
});

describe('the typed request a route declares', () => {
  const write = (init: { headers?: Record<string, string>; id?: string; query?: Record<string, string>; body?: string }) =>
    ({
      httpMethod: 'PATCH', resource: '/api/v1/secure/entities/{id}', path: `/api/v1/secure/entities/${init.id ?? ''}`,
      headers: { 'content-type': 'application/json', ...init.headers }, pathParameters: { id: init.id }, queryStringParameters: init.query ?? null, body: init.body ?? null,
      requestContext: { requestId: 'gw-2' },
    }) as unknown as APIGatewayProxyEvent;
  const problemOf = (response: { statusCode: number; body: string }) => ({ status: response.statusCode, ...(JSON.parse(response.body) as { detail: string; errors?: { path: string; message: string }[] }) });

  it('hands the route the caller, path, query, body and If-Match, each parsed and typed', async () => {
    const seen: unknown[] = [];
    const handler = httpHandler(
      { principal: () => ({ who: 'me' }), path: z.object({ id: z.string().check(z.minLength(2)) }), query: (raw: Record<string, string | undefined>) => Number(raw['limit'] ?? 10), body: z.object({ name: z.string() }), ifMatch: true },
      ({ principal, path, query, body, expectedVersion }) => {
        seen.push([principal.who, path.id, query + 1, body.name, expectedVersion]);
        return Promise.resolve({ statusCode: 200, headers: {}, body: '{}' });
      },
    );
    const answered = await handler(write({ id: 'e1', query: { limit: '4' }, body: '{"name":"n"}', headers: { 'If-Match': '"7"' } }), context);
    expect(answered.statusCode).toBe(200);
    expect(seen).toEqual([['me', 'e1', 5, 'n', 7]]);
  });

  it('answers the first thing to fix, in order: the caller, the path, the query, the body, If-Match; the route never runs', async () => {
    const route = vi.fn(() => Promise.resolve({ statusCode: 200, headers: {}, body: '{}' }));
    const declared = (principal: () => unknown) =>
      httpHandler({ principal, path: z.object({ id: z.string().check(z.minLength(2)) }), query: z.object({ limit: z.optional(z.string().check(z.regex(/^\d+$/))) }), body: z.object({ name: z.string() }), ifMatch: true }, route);
    const allowed = declared(() => ({}));
    const refused = declared(() => {
      throw new HttpProblem('forbidden', 'Not yours.');
    });
    const bad = { id: 'x', query: { limit: 'many' }, body: '{"name":1}', headers: { 'If-Match': 'W/"1"' } };
    expect(problemOf(await refused(write(bad), context))).toMatchObject({ status: 403, detail: 'Not yours.' });
    expect(problemOf(await allowed(write(bad), context))).toMatchObject({ status: 400, errors: [{ path: '/id' }] });
    expect(problemOf(await allowed(write({ ...bad, id: 'e1' }), context))).toMatchObject({ status: 400, errors: [{ path: '/limit' }] });
    expect(problemOf(await allowed(write({ ...bad, id: 'e1', query: {} }), context))).toMatchObject({ status: 400, errors: [{ path: '/name' }] });
    expect(problemOf(await allowed(write({ ...bad, id: 'e1', query: {}, body: '{"name":"n"}' }), context))).toMatchObject({ status: 412 });
    expect(route).not.toHaveBeenCalled();
  });

  it('parses the path once when a prefetch reads it first, and answers a path that does not parse as a problem without starting anything', async () => {
    let parses = 0;
    const counted = z.pipe(z.object({ id: z.string().check(z.minLength(2)) }), z.transform((path) => (parses++, path)));
    const prefetch = vi.fn(() => 'started');
    const handler = httpHandler({ path: counted, prefetch }, ({ path, ahead }) => Promise.resolve({ statusCode: 200, headers: {}, body: JSON.stringify({ id: path.id, ahead }) }));
    expect(JSON.parse((await handler(write({ id: 'e1' }), context)).body)).toEqual({ id: 'e1', ahead: 'started' });
    expect(parses).toBe(1);
    expect(problemOf(await handler(write({ id: 'x' }), context))).toMatchObject({ status: 400, errors: [{ path: '/id' }] });
    expect(prefetch).toHaveBeenCalledTimes(1);
  });
});
