import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { envFlag } from './envFlag.ts';

/** The units CloudWatch accepts for a metric. */
export const MetricUnit = {
  Seconds: 'Seconds',
  Microseconds: 'Microseconds',
  Milliseconds: 'Milliseconds',
  Bytes: 'Bytes',
  Kilobytes: 'Kilobytes',
  Megabytes: 'Megabytes',
  Gigabytes: 'Gigabytes',
  Terabytes: 'Terabytes',
  Bits: 'Bits',
  Kilobits: 'Kilobits',
  Megabits: 'Megabits',
  Gigabits: 'Gigabits',
  Terabits: 'Terabits',
  Percent: 'Percent',
  Count: 'Count',
  BytesPerSecond: 'Bytes/Second',
  KilobytesPerSecond: 'Kilobytes/Second',
  MegabytesPerSecond: 'Megabytes/Second',
  GigabytesPerSecond: 'Gigabytes/Second',
  TerabytesPerSecond: 'Terabytes/Second',
  BitsPerSecond: 'Bits/Second',
  KilobitsPerSecond: 'Kilobits/Second',
  MegabitsPerSecond: 'Megabits/Second',
  GigabitsPerSecond: 'Gigabits/Second',
  TerabitsPerSecond: 'Terabits/Second',
  CountPerSecond: 'Count/Second',
  None: 'None',
} as const;
export type MetricUnit = (typeof MetricUnit)[keyof typeof MetricUnit];

const UNITS = new Set<string>(Object.values(MetricUnit));
/** EMF's limits: metrics per line, values per metric; and the name lengths CloudWatch accepts. */
export const MAX_METRICS_PER_LINE = 100;
export const MAX_VALUES_PER_METRIC = 100;
const MAX_NAME_LENGTH = 255;
export const COLD_START_METRIC = 'ColdStart';
const SERVICE_DIMENSION = 'service';
const FUNCTION_DIMENSION = 'function_name';
const RESERVED_NAMES = new Set(['_aws', SERVICE_DIMENSION, FUNCTION_DIMENSION]);

export interface MetricsOptions {
  /** CloudWatch namespace; default POWERTOOLS_METRICS_NAMESPACE, else `default_namespace`. */
  readonly namespace?: string;
  /** The `service` dimension of every metric; default POWERTOOLS_SERVICE_NAME, else `service_undefined`. */
  readonly serviceName?: string;
  /** Record nothing; default POWERTOOLS_METRICS_DISABLED when set, else POWERTOOLS_DEV. */
  readonly disabled?: boolean;
  /** Where a line goes; default standard output, which Lambda sends to CloudWatch Logs. */
  readonly write?: (line: string) => void;
}

interface StoredMetric {
  readonly unit: MetricUnit;
  readonly values: number[];
}

/**
 * The container's metrics as CloudWatch Embedded Metric Format: one JSON line on stdout per
 * invocation that recorded any, which CloudWatch turns into metrics asynchronously (no API call,
 * nothing on the request path but one synchronous write). The same environment and output as
 * Powertools Metrics (POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME, the `service`
 * dimension, the `ColdStart` metric with `function_name`), with what this platform uses of it
 * only: counts and measures under the service dimension. Powertools costs a cache hit ~15 µs for
 * the same line (stores that read the environment per call, a Console), more than the rest of
 * the hit's work after Redis answers (README, Performance).
 *
 * The buffer is the container's: when one process runs concurrent invocations
 * (AWS_LAMBDA_MAX_CONCURRENCY), one may publish what another recorded, which changes no figure in
 * CloudWatch (every line carries the same dimensions; each value is written exactly once).
 */
export class Metrics {
  readonly namespace: string;
  readonly serviceName: string;
  readonly disabled: boolean;
  readonly #write: (line: string) => void;
  readonly #stored = new Map<string, StoredMetric>();
  #coldStart = process.env.AWS_LAMBDA_INITIALIZATION_TYPE?.trim() === 'on-demand';
  /** `,"CloudWatchMetrics":[{"Namespace":…,"Dimensions":[["service"]],"Metrics":[`: the same in every line but the cold start's. */
  readonly #serviceHead: string;
  /** `,"service":…`: every line's dimension value. */
  readonly #serviceMember: string;

  constructor(options: MetricsOptions = {}) {
    const env = process.env;
    this.namespace = options.namespace ?? (env.POWERTOOLS_METRICS_NAMESPACE?.trim() || 'default_namespace');
    this.serviceName = options.serviceName ?? (env.POWERTOOLS_SERVICE_NAME?.trim() || 'service_undefined');
    this.disabled = options.disabled ?? (env.POWERTOOLS_METRICS_DISABLED !== undefined ? envFlag(env.POWERTOOLS_METRICS_DISABLED) === true : envFlag(env.POWERTOOLS_DEV) === true);
    this.#write = options.write ?? ((line) => void process.stdout.write(`${line}\n`));
    this.#serviceHead = this.#head([SERVICE_DIMENSION]);
    this.#serviceMember = `,${JSON.stringify(SERVICE_DIMENSION)}:${JSON.stringify(this.serviceName)}`;
  }

  /**
   * Records `value` under `name` for this invocation's line; a name recorded again collects its
   * values (up to 100, then the line is published). Throws on a name, unit or value CloudWatch
   * would refuse: a programming error, not a runtime condition.
   */
  addMetric(name: string, unit: MetricUnit, value: number): void {
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH || RESERVED_NAMES.has(name)) {
      throw new RangeError(`metric name ${JSON.stringify(name)}: 1 to ${MAX_NAME_LENGTH} characters, and none of ${[...RESERVED_NAMES].join(', ')}`);
    }
    if (!UNITS.has(unit)) throw new RangeError(`metric ${name}: unknown unit ${JSON.stringify(unit)}`);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`metric ${name}: ${String(value)} is not a finite number`);
    const stored = this.#stored.get(name);
    if (stored) {
      if (stored.unit !== unit) throw new RangeError(`metric ${name}: recorded as ${stored.unit}, now as ${unit}`);
      if (stored.values.push(value) === MAX_VALUES_PER_METRIC) this.publishStoredMetrics();
      return;
    }
    if (this.#stored.size === MAX_METRICS_PER_LINE) this.publishStoredMetrics();
    this.#stored.set(name, { unit, values: [value] });
  }

  hasStoredMetrics(): boolean {
    return this.#stored.size > 0;
  }

  /** Writes what was recorded as one EMF line and forgets it; writes nothing when nothing was. */
  publishStoredMetrics(): void {
    if (this.#stored.size === 0) return;
    let definitions = '';
    let members = '';
    for (const [name, { unit, values }] of this.#stored) {
      const key = JSON.stringify(name);
      definitions += `${definitions === '' ? '' : ','}{"Name":${key},"Unit":"${unit}"}`;
      members += `,${key}:${values.length === 1 ? values[0]! : `[${values.join(',')}]`}`;
    }
    this.#stored.clear();
    if (!this.disabled) this.#writeLine(this.#serviceHead, definitions, members);
  }

  /** Drops what was recorded and not published. */
  clearMetrics(): void {
    this.#stored.clear();
  }

  /**
   * On the container's first invocation (on-demand only: a provisioned or SnapStart environment
   * initialises ahead of traffic), its own line: `ColdStart` 1 with `service` and `function_name`.
   */
  captureColdStartMetric(functionName: string | undefined): void {
    if (!this.#coldStart) return;
    this.#coldStart = false;
    if (this.disabled) return;
    const name = functionName?.trim();
    const head = name ? this.#head([SERVICE_DIMENSION, FUNCTION_DIMENSION]) : this.#serviceHead;
    const functionMember = name ? `,"${FUNCTION_DIMENSION}":${JSON.stringify(name)}` : '';
    this.#writeLine(head, `{"Name":"${COLD_START_METRIC}","Unit":"Count"}`, `${functionMember},"${COLD_START_METRIC}":1`);
  }

  /** The part of a line's directive before its metric definitions, for one set of dimensions. */
  #head(dimensions: readonly string[]): string {
    return `,"CloudWatchMetrics":[{"Namespace":${JSON.stringify(this.namespace)},"Dimensions":[${JSON.stringify(dimensions)}],"Metrics":[`;
  }

  /** One EMF line: `head` (#head), the metric definitions, then the members after `service` (dimension values, metric values). */
  #writeLine(head: string, definitions: string, members: string): void {
    this.#write(`{"_aws":{"Timestamp":${Date.now()}${head}${definitions}]}]}${this.#serviceMember}${members}}`);
  }
}

/** The container's EMF metrics (POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME). */
export const metrics = new Metrics();

/**
 * The middy middleware that emits each invocation's metrics: the cold-start metric on the
 * container's first invocation, then one EMF line with what the invocation recorded, after it
 * returns or throws. An invocation that recorded nothing (a health check, a 4xx answer) writes
 * nothing: no log line per request.
 */
export function emitMetrics(target: Metrics = metrics): MiddlewareObj<unknown, unknown, Error, Context> {
  const publish = () => target.publishStoredMetrics();
  return {
    before: (request) => target.captureColdStartMetric(request.context.functionName),
    after: publish,
    onError: publish,
  };
}
