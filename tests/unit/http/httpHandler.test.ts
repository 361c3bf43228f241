import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { httpHandler } from '../../../src/http/httpHandler.ts';
import { HttpProblem } from '../../../src/http/problem.ts';

const context = { functionName: 'getEntity', awsRequestId: 'req-1', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:1:function:getEntity', memoryLimitInMB: '1024', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const event = (headers: Record<string, string>) =>
  ({ httpMethod: 'GET', resource: '/api/v1/data/entities/{id}', path: '/api/v1/data/entities/x', headers, requestContext: { requestId: 'gw-1' } }) as unknown as APIGatewayProxyEvent;

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

  it("starts the route's prefetch from the raw event before the middleware stack, and hands the route what it started", async () => {
    const order: string[] = [];
    const handler = httpHandler<{ id: string }>(
      ({ ahead }) => {
        order.push(`route ahead=${ahead?.id}`);
        return Promise.resolve({ statusCode: 200, headers: {}, body: '{}' });
      },
      {
        prefetch: (raw) => {
          // The stack has not run: no correlation id on the logger yet, no response.
          order.push(`prefetch ${raw.path}`);
          return { id: 'x' };
        },
      },
    );
    await expect(handler(event({ 'x-correlation-id': 'c-2' }), context)).resolves.toMatchObject({ statusCode: 200, headers: { 'x-correlation-id': 'c-2' } });
    expect(order).toEqual(['prefetch /api/v1/data/entities/x', 'route ahead=x']);
  });

  it('runs the route without a prefetch that threw or started nothing, and never hands one invocation another\'s', async () => {
    const seen: unknown[] = [];
    let next: () => { id: string } | undefined = () => {
      throw new Error('bad event');
    };
    const handler = httpHandler<{ id: string }>(
      ({ ahead }) => {
        seen.push(ahead);
        return Promise.resolve({ statusCode: 200, headers: {}, body: '{}' });
      },
      { prefetch: () => next() },
    );
    expect((await handler(event({}), context)).statusCode).toBe(200);
    next = () => ({ id: 'first' });
    await handler(event({}), context);
    next = () => undefined;
    await handler(event({}), context); // the same context object again, as a test harness may pass
    expect(seen).toEqual([undefined, { id: 'first' }, undefined]);
  });
});
