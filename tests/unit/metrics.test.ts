import middy from '@middy/core';
import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emitMetrics, MAX_METRICS_PER_LINE, MAX_VALUES_PER_METRIC, Metrics, MetricUnit } from '../../src/observability/metrics.ts';

type Line = Record<string, unknown> & { _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] } };

/** What the metrics write: EMF lines on stdout, and nothing on stderr. */
let stdout: string[];
let stderr: string[];
beforeEach(() => {
  // A cold start counts only in an on-demand Lambda environment.
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
const emf = (): Line[] => stdout.filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line) as Line);

/**
 * What CloudWatch requires of an EMF line (docs: CloudWatch_Embedded_Metric_Format_Specification):
 * one JSON object per line; every metric defined has a number or an array of up to 100 numbers
 * under its name; every dimension a string; at most 100 metrics.
 */
function expectValidEmf(text: string): Line {
  expect(text.endsWith('\n')).toBe(true);
  expect(text.slice(0, -1)).not.toContain('\n');
  const line = JSON.parse(text) as Line;
  expect(Math.abs(line._aws.Timestamp - Date.now())).toBeLessThan(5_000);
  for (const directive of line._aws.CloudWatchMetrics) {
    expect(directive.Metrics.length).toBeGreaterThan(0);
    expect(directive.Metrics.length).toBeLessThanOrEqual(MAX_METRICS_PER_LINE);
    for (const { Name, Unit } of directive.Metrics) {
      expect(Object.values(MetricUnit)).toContain(Unit);
      const value = line[Name];
      if (Array.isArray(value)) {
        expect(value.length).toBeGreaterThan(0);
        expect(value.length).toBeLessThanOrEqual(MAX_VALUES_PER_METRIC);
        for (const v of value) expect(Number.isFinite(v)).toBe(true);
      } else expect(Number.isFinite(value)).toBe(true);
    }
    for (const set of directive.Dimensions) for (const dimension of set) expect(typeof line[dimension]).toBe('string');
  }
  return line;
}

function handlerWith(metrics: Metrics, work: (event: { add: boolean; fail?: boolean }) => void) {
  return middy<{ add: boolean; fail?: boolean }, string, Error, Context>()
    .use(emitMetrics(metrics))
    .handler((event) => {
      work(event);
      return event.fail ? Promise.reject(new Error('boom')) : Promise.resolve('ok');
    });
}

describe('Metrics (EMF)', () => {
  it('writes one valid EMF line with every metric recorded, under the namespace and the service dimension', () => {
    const metrics = new Metrics({ namespace: 'EntityPlatform', serviceName: 'entity-platform' });
    metrics.addMetric('CacheHits', 'Count', 1);
    metrics.addMetric('ReadModelLagSeconds', MetricUnit.Seconds, 2.5);
    metrics.publishStoredMetrics();
    expect(stdout).toHaveLength(1);
    const line = expectValidEmf(stdout[0]!);
    expect(line).toEqual({
      _aws: {
        Timestamp: line._aws.Timestamp,
        CloudWatchMetrics: [{ Namespace: 'EntityPlatform', Dimensions: [['service']], Metrics: [{ Name: 'CacheHits', Unit: 'Count' }, { Name: 'ReadModelLagSeconds', Unit: 'Seconds' }] }],
      },
      service: 'entity-platform',
      CacheHits: 1,
      ReadModelLagSeconds: 2.5,
    });
    expect(metrics.hasStoredMetrics()).toBe(false);
    metrics.publishStoredMetrics();
    expect(stdout).toHaveLength(1);
  });

  it('writes the same line as Powertools Metrics for the same metrics, so dashboards and alarms read it alike', () => {
    vi.stubEnv('POWERTOOLS_DEV', 'false');
    const ours = new Metrics({ namespace: 'EntityPlatform', serviceName: 'entity-platform' });
    const theirs = new PowertoolsMetrics({ namespace: 'EntityPlatform', serviceName: 'entity-platform' });
    for (const metrics of [ours, theirs]) {
      metrics.addMetric('CacheHits', 'Count', 1);
      metrics.addMetric('EntitiesUpdated', 'Count', 1);
      metrics.addMetric('EntitiesUpdated', 'Count', 3);
      metrics.addMetric('ReadModelLagSeconds', 'Seconds', 0.25);
      metrics.publishStoredMetrics();
      metrics.captureColdStartMetric('getEntity');
    }
    const [ourLine, ourColdStart, theirLine, theirColdStart] = emf().map(({ _aws: { Timestamp: _, ...aws }, ...rest }) => ({ _aws: aws, ...rest }));
    expect(ourLine).toEqual(theirLine);
    expect(ourColdStart).toEqual(theirColdStart);
    expect(ourLine).toMatchObject({ EntitiesUpdated: [1, 3] });
  });

  it('collects the values of a metric recorded again, and publishes at 100 values or 100 metrics, as EMF allows', () => {
    const metrics = new Metrics({ namespace: 'ns', serviceName: 'svc' });
    for (let i = 0; i < MAX_VALUES_PER_METRIC + 1; i++) metrics.addMetric('Lag', 'Seconds', i);
    expect(stdout).toHaveLength(1);
    expect(expectValidEmf(stdout[0]!)['Lag']).toEqual(Array.from({ length: MAX_VALUES_PER_METRIC }, (_, i) => i));
    metrics.publishStoredMetrics();
    expect(expectValidEmf(stdout[1]!)['Lag']).toBe(MAX_VALUES_PER_METRIC);

    stdout = [];
    for (let i = 0; i < MAX_METRICS_PER_LINE + 1; i++) metrics.addMetric(`M${i}`, 'Count', 1);
    metrics.publishStoredMetrics();
    expect(stdout.map((text) => expectValidEmf(text)._aws.CloudWatchMetrics[0]!.Metrics.length)).toEqual([MAX_METRICS_PER_LINE, 1]);
  });

  it('refuses what CloudWatch would drop (bad names, units and values) and records nothing of it', () => {
    const metrics = new Metrics({ namespace: 'ns', serviceName: 'svc' });
    expect(() => metrics.addMetric('', 'Count', 1)).toThrow(RangeError);
    expect(() => metrics.addMetric('x'.repeat(256), 'Count', 1)).toThrow(RangeError);
    expect(() => metrics.addMetric('service', 'Count', 1)).toThrow(/service/);
    expect(() => metrics.addMetric('Hits', 'Counts' as MetricUnit, 1)).toThrow(/unit/);
    expect(() => metrics.addMetric('Hits', 'Count', Number.NaN)).toThrow(/finite/);
    expect(() => metrics.addMetric('Hits', 'Count', Number.POSITIVE_INFINITY)).toThrow(/finite/);
    expect(metrics.hasStoredMetrics()).toBe(false);
    metrics.addMetric('Hits', 'Count', 1);
    expect(() => metrics.addMetric('Hits', 'Seconds', 1)).toThrow(/Count/);
    metrics.publishStoredMetrics();
    expect(emf().map((line) => line['Hits'])).toEqual([1]);
  });

  it('writes nothing when disabled (POWERTOOLS_METRICS_DISABLED, else POWERTOOLS_DEV), and still forgets what was recorded', () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    const disabled = new Metrics();
    disabled.captureColdStartMetric('f');
    disabled.addMetric('Hits', 'Count', 1);
    disabled.publishStoredMetrics();
    expect(disabled.hasStoredMetrics()).toBe(false);
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    expect(new Metrics().disabled).toBe(false);
    vi.unstubAllEnvs();
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    expect(new Metrics().disabled).toBe(true);
    expect(stdout).toEqual([]);
  });

  it('takes the namespace and service from the environment', () => {
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'EntityPlatform');
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'entity-platform');
    const metrics = new Metrics();
    metrics.addMetric('Hits', 'Count', 1);
    metrics.publishStoredMetrics();
    expect(emf()[0]).toMatchObject({ _aws: { CloudWatchMetrics: [{ Namespace: 'EntityPlatform' }] }, service: 'entity-platform' });
  });

  it('counts a cold start only in an on-demand environment', () => {
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'provisioned-concurrency');
    const metrics = new Metrics({ namespace: 'ns', serviceName: 'svc' });
    metrics.captureColdStartMetric('getEntity');
    expect(stdout).toEqual([]);
  });
});

describe('emitMetrics', () => {
  it('emits the cold start once, then one EMF line per invocation that added metrics, and writes nothing for one that added none', async () => {
    const metrics = new Metrics({ namespace: 'entity-platform', serviceName: 'entity-platform' });
    const handler = handlerWith(metrics, (event) => {
      if (event.add) metrics.addMetric('CacheHits', 'Count', 1);
    });
    await handler({ add: false }, context);
    const [coldStart] = emf();
    expect(emf()).toHaveLength(1);
    expect(coldStart).toMatchObject({ _aws: { CloudWatchMetrics: [{ Dimensions: [['service', 'function_name']], Metrics: [{ Name: 'ColdStart', Unit: 'Count' }] }] }, service: 'entity-platform', function_name: 'getEntity', ColdStart: 1 });
    expectValidEmf(stdout[0]!);

    stdout = [];
    await handler({ add: false }, context);
    await handler({ add: false }, context);
    expect(stdout).toEqual([]);
    expect(stderr).toEqual([]);

    await handler({ add: true }, context);
    expect(emf()).toEqual([expect.objectContaining({ CacheHits: 1, service: 'entity-platform' })]);
    expect(stderr).toEqual([]);
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
