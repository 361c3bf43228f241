import middy from '@middy/core';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emitMetrics } from '../../src/observability/metrics.ts';

/** What the metrics middleware writes: EMF lines on stdout, and nothing on stderr. */
let stdout: string[];
let stderr: string[];
beforeEach(() => {
  // Powertools counts a cold start only in an on-demand Lambda environment.
  vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
  stdout = [];
  stderr = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (stdout.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const context = { functionName: 'getEntity', awsRequestId: 'r' } as Context;
const emf = () => stdout.filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line) as Record<string, unknown>);

function handlerWith(metrics: Metrics, work: (event: { add: boolean; fail?: boolean }) => void) {
  return middy<{ add: boolean; fail?: boolean }, string, Error, Context>()
    .use(emitMetrics(metrics))
    .handler((event) => {
      work(event);
      return event.fail ? Promise.reject(new Error('boom')) : Promise.resolve('ok');
    });
}

describe('emitMetrics', () => {
  it('emits the cold start once, then one EMF line per invocation that added metrics, and writes nothing for one that added none', async () => {
    const metrics = new Metrics({ namespace: 'entity-platform', serviceName: 'entity-platform' });
    const handler = handlerWith(metrics, (event) => {
      metrics.addDimension('route', 'get');
      if (event.add) metrics.addMetric('CacheHits', 'Count', 1);
    });
    await handler({ add: false }, context);
    expect(emf().map((line) => Object.keys(line).filter((k) => k !== '_aws' && k !== 'service' && k !== 'function_name'))).toEqual([['ColdStart']]);

    stdout = [];
    await handler({ add: false }, context);
    await handler({ add: false }, context);
    expect(stdout).toEqual([]);
    expect(stderr).toEqual([]);

    await handler({ add: true }, context);
    const [line] = emf();
    expect(emf()).toHaveLength(1);
    expect(line).toMatchObject({ CacheHits: 1, route: 'get', service: 'entity-platform' });
    expect(stderr).toEqual([]);
  });

  it('clears what an invocation without metrics added, so the next invocation does not carry it', async () => {
    const metrics = new Metrics({ namespace: 'entity-platform', serviceName: 'entity-platform' });
    let first = true;
    const handler = handlerWith(metrics, (event) => {
      if (first) metrics.addDimension('tenant', 'acme');
      first = false;
      if (event.add) metrics.addMetric('EntitiesCreated', 'Count', 1);
    });
    await handler({ add: false }, context);
    stdout = [];
    await handler({ add: true }, context);
    expect(emf()[0]).not.toHaveProperty('tenant');
  });

  it('emits what a failing invocation added before it failed', async () => {
    const metrics = new Metrics({ namespace: 'entity-platform', serviceName: 'entity-platform' });
    const handler = handlerWith(metrics, () => metrics.addMetric('CacheErrors', 'Count', 1));
    await handler({ add: false }, context); // the cold start
    stdout = [];
    await expect(handler({ add: false, fail: true }, context)).rejects.toThrow('boom');
    expect(emf()).toEqual([expect.objectContaining({ CacheErrors: 1 })]);
  });
});
