import { AsyncLocalStorage } from 'node:async_hooks';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { AwsCallObserver } from '../adapters/aws/awsJsonClient.ts';
import { currentTraceHeader } from '../adapters/aws/lambdaTraceHeader.ts';
import { envFlag } from './envFlag.ts';
import { DaemonClient } from './xray/daemon.ts';
import { anchorClock, sampledTraceOf, Subsegment } from './xray/subsegment.ts';

/**
 * Our X-Ray tracer for Lambda, in place of Powertools Tracer and the X-Ray SDK it loads: a
 * subsegment per invocation (`captureLambdaHandler`), one per AWS call
 * (`awsCallObserver`) and one per named block (`captureAsync`), each sent to the daemon by
 * UDP as soon as it ends. Only invocations whose trace header says `Sampled=1` are recorded;
 * POWERTOOLS_TRACE_ENABLED=false turns it off entirely (no middleware, no per-request work).
 */
export class Tracer {
  readonly enabled: boolean;
  readonly serviceName: string | undefined;
  readonly #current = new AsyncLocalStorage<Subsegment>();
  readonly #daemon = new DaemonClient();
  #coldStart = process.env.AWS_LAMBDA_INITIALIZATION_TYPE !== 'provisioned-concurrency';

  constructor(options: { readonly enabled?: boolean; readonly serviceName?: string } = {}) {
    this.enabled = options.enabled ?? envFlag(process.env.POWERTOOLS_TRACE_ENABLED) !== false;
    this.serviceName = options.serviceName ?? (process.env.POWERTOOLS_SERVICE_NAME || undefined);
  }

  /**
   * Starts the invocation's subsegment under the Lambda segment named by this invocation's trace
   * header, and makes it the parent of what the invocation does; `undefined` when not sampled.
   */
  startInvocation(name: string): Subsegment | undefined {
    const coldStart = this.#coldStart;
    this.#coldStart = false;
    const trace = sampledTraceOf(currentTraceHeader());
    if (!trace) return undefined;
    anchorClock();
    const subsegment = new Subsegment(name, trace);
    subsegment.annotate('ColdStart', coldStart);
    if (this.serviceName) subsegment.annotate('Service', this.serviceName);
    // middy has no hook around the handler, so no `run`: `enterWith` sets the parent for the rest
    // of this invocation's async context (the runtime gives each concurrent invocation its own).
    // What it leaves behind once the invocation is over is an ended subsegment, which `#parent`
    // ignores.
    this.#current.enterWith(subsegment);
    return subsegment;
  }

  /** Ends `subsegment` and sends it to the daemon. */
  close(subsegment: Subsegment): void {
    subsegment.end();
    this.#daemon.send(subsegment.toDocument());
  }

  /** Runs `fn` in a subsegment of its own named `name` (when the invocation is traced). */
  async captureAsync<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const parent = this.#parent();
    if (!parent) return fn();
    const subsegment = new Subsegment(name, parent.context);
    try {
      return await this.#current.run(subsegment, fn);
    } catch (error) {
      subsegment.fault = true;
      subsegment.addCause(error);
      throw error;
    } finally {
      this.close(subsegment);
    }
  }

  /**
   * Records every call of an AWS client (src/adapters/aws/awsJsonClient.ts) as an `aws`
   * subsegment (service, operation, region, request id, table, retries, HTTP status) and passes the
   * trace on in the request's `X-Amzn-Trace-Id`. `undefined` when tracing is off: the clients then
   * do no tracing work at all.
   */
  awsCallObserver(): AwsCallObserver | undefined {
    if (!this.enabled) return undefined;
    return {
      start: (call) => {
        const parent = this.#parent();
        if (!parent) return undefined;
        const subsegment = new Subsegment(call.serviceId, parent.context);
        subsegment.namespace = 'aws';
        const tableName = call.input.TableName;
        return {
          traceHeader: `Root=${subsegment.trace.traceId};Parent=${subsegment.id};Sampled=1`,
          end: (outcome) => {
            subsegment.aws = {
              operation: call.operation,
              region: call.region,
              ...(outcome.requestId && { request_id: outcome.requestId }),
              ...(typeof tableName === 'string' && { table_name: tableName }),
              retries: Math.max(0, outcome.attempts - 1),
            };
            if (outcome.statusCode !== undefined) {
              subsegment.http = { response: { status: outcome.statusCode } };
              subsegment.flagStatus(outcome.statusCode);
            }
            if (outcome.error !== undefined) {
              // No status: the call never got an answer (network, timeout), a fault on our side of it.
              if (outcome.statusCode === undefined) subsegment.fault = true;
              subsegment.addCause(outcome.error, true);
            }
            this.close(subsegment);
          },
        };
      },
    };
  }

  /** The subsegment the current work belongs to, while its invocation is still open. */
  #parent(): Subsegment | undefined {
    const subsegment = this.#current.getStore();
    return subsegment && !subsegment.ended ? subsegment : undefined;
  }
}

const invocations = new WeakMap<object, Subsegment>();

function statusOf(response: unknown): number | undefined {
  const status = (response as { statusCode?: unknown } | null | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * The middy middleware that traces each invocation: a `## <handler>` subsegment annotated with
 * `ColdStart` and `Service`, flagged by the response status (4xx error, 429 throttle, 5xx fault)
 * or as a fault when the handler throws, with the error as its cause. The response body is never
 * recorded. Nothing at all when tracing is off.
 */
export function captureLambdaHandler(tracer: Tracer): MiddlewareObj<unknown, unknown, Error, Context>[] {
  if (!tracer.enabled) return [];
  // The runtime sets the handler's name before the function's code loads; it does not change.
  const handlerName = process.env._HANDLER;
  return [
    {
      before: (request) => {
        const subsegment = tracer.startInvocation(`## ${handlerName ?? request.context.functionName ?? 'handler'}`);
        if (subsegment) invocations.set(request, subsegment);
      },
      after: (request) => {
        const subsegment = invocations.get(request);
        if (!subsegment) return;
        const status = statusOf(request.response);
        if (status !== undefined) subsegment.flagStatus(status);
        tracer.close(subsegment);
      },
      onError: (request) => {
        const subsegment = invocations.get(request);
        if (!subsegment) return;
        // A response here means an earlier error handler answered (problem+json): its status decides.
        const status = statusOf(request.response);
        if (status !== undefined) subsegment.flagStatus(status);
        else subsegment.fault = true;
        subsegment.addCause(request.error);
        tracer.close(subsegment);
      },
    },
  ];
}

/** The container's tracer (POWERTOOLS_TRACE_ENABLED, POWERTOOLS_SERVICE_NAME). */
export const tracer = new Tracer();
