import { AsyncLocalStorage } from 'node:async_hooks';
import type { MiddlewareObj } from '@middy/core';
import type { InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { BuildMiddleware, MetadataBearer, MiddlewareStack } from '@aws-sdk/types';
import type { Context } from 'aws-lambda';
import { DaemonClient } from './xray/daemon.ts';
import { anchorClock, sampledTraceOf, Subsegment } from './xray/subsegment.ts';

/** What the tracer needs of an AWS SDK v3 client: its middleware stack and its region. */
export interface AwsClient {
  readonly middlewareStack: Pick<MiddlewareStack<object, MetadataBearer>, 'add'>;
  readonly config: { readonly region?: unknown };
}

const FALSE = /^\s*(false|0|no|off)\s*$/i;

/**
 * Our X-Ray tracer for Lambda, in place of Powertools Tracer and the X-Ray SDK it loads: a
 * subsegment per invocation (`captureLambdaHandler`), one per AWS SDK call
 * (`captureAWSv3Client`) and one per named block (`captureAsync`), each sent to the daemon by
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
    this.enabled = options.enabled ?? !FALSE.test(process.env.POWERTOOLS_TRACE_ENABLED ?? '');
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
   * Records every call `client` makes as an `aws` subsegment (service, operation, region, request
   * id, table, retries, HTTP status) and passes the trace on in the request's `X-Amzn-Trace-Id`.
   * Returns the client itself; when tracing is off it is left untouched.
   */
  captureAWSv3Client<T extends AwsClient>(client: T): T {
    if (!this.enabled) return client;
    let region: string | undefined;
    const capture: BuildMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
      const parent = this.#parent();
      if (!parent) return next(args);
      const subsegment = new Subsegment((context.clientName ?? 'AWS').replace(/Client$/, ''), parent.context);
      subsegment.namespace = 'aws';
      const headers = (args.request as { headers?: Record<string, string> } | undefined)?.headers;
      if (headers) headers['X-Amzn-Trace-Id'] = `Root=${subsegment.trace.traceId};Parent=${subsegment.id};Sampled=1`;
      region ??= await regionOf(client);
      const tableName = (args.input as { TableName?: unknown }).TableName;
      const describe = (metadata: MetadataBearer['$metadata'] | undefined) => {
        subsegment.aws = {
          operation: (context.commandName ?? 'Unknown').replace(/Command$/, ''),
          ...(region && { region }),
          ...(metadata?.requestId && { request_id: metadata.requestId }),
          ...(typeof tableName === 'string' && { table_name: tableName }),
          retries: Math.max(0, (metadata?.attempts ?? 1) - 1),
        };
        if (metadata?.httpStatusCode !== undefined) {
          subsegment.http = { response: { status: metadata.httpStatusCode } };
          subsegment.flagStatus(metadata.httpStatusCode);
        }
      };
      try {
        const result = await next(args);
        describe((result.output as Partial<MetadataBearer> | undefined)?.$metadata);
        return result;
      } catch (error) {
        const metadata = (error as Partial<MetadataBearer> | undefined)?.$metadata;
        describe(metadata);
        // No status: the call never got an answer (network, timeout), a fault on our side of it.
        if (metadata?.httpStatusCode === undefined) subsegment.fault = true;
        subsegment.addCause(error, true);
        throw error;
      } finally {
        this.close(subsegment);
      }
    };
    // `build`: the request exists (to carry the header) and retries happen below, inside the subsegment;
    // `high` runs it before the SDK's recursion detection, which leaves a header it finds alone.
    client.middlewareStack.add(capture, { step: 'build', priority: 'high', name: 'xrayCapture', override: true });
    return client;
  }

  /** The subsegment the current work belongs to, while its invocation is still open. */
  #parent(): Subsegment | undefined {
    const subsegment = this.#current.getStore();
    return subsegment && !subsegment.ended ? subsegment : undefined;
  }
}

/**
 * This invocation's trace header: from the runtime's invoke store (one per concurrent invocation
 * when Lambda runs several at once in a process), else `_X_AMZN_TRACE_ID`.
 */
function currentTraceHeader(): string | undefined {
  const store: InvokeStoreBase | undefined = globalThis.awslambda?.InvokeStore;
  return store?.getXRayTraceId() ?? process.env._X_AMZN_TRACE_ID;
}

async function regionOf(client: AwsClient): Promise<string | undefined> {
  try {
    const region = client.config.region;
    const value: unknown = typeof region === 'function' ? await (region as () => Promise<unknown>)() : region;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
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
  return [
    {
      before: (request) => {
        const subsegment = tracer.startInvocation(`## ${process.env._HANDLER ?? request.context.functionName ?? 'handler'}`);
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
