import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';

/**
 * Tracing, behind this one module: everything else calls `tracingMiddleware`, `traceAwsClient` and
 * `traced`, never the tracer. Today it is Powertools Tracer (the X-Ray SDK underneath): a
 * `## <handler>` subsegment per invocation annotated with `ColdStart` and `Service`, a subsegment
 * per AWS SDK call, per outgoing HTTPS request and `fetch` (the JWKS), and per `traced` block (Redis,
 * PostgreSQL). On from POWERTOOLS_TRACE_ENABLED inside Lambda; off elsewhere (tests, the worker,
 * serverless-offline), where every function here is a pass-through.
 *
 * The X-Ray SDKs reach end of support in February 2027. Moving to OpenTelemetry (the ADOT Lambda
 * layer, or `@opentelemetry/api` with the AWS X-Ray propagator) replaces the bodies of these three
 * functions: the middleware starts and ends the invocation's span, `traceAwsClient` becomes the AWS
 * SDK instrumentation, `traced` a `startActiveSpan`. No caller changes (docs/observability.md).
 */
const tracer = new Tracer();


function statusOf(response: unknown): number | undefined {
  const status = (response as { statusCode?: unknown } | null | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Marks the invocation's subsegment by the answer it gave: `error` for a 4xx (`throttle` too for a
 * 429), `fault` for a 5xx. The HTTP stack answers every error itself (problem+json), so without
 * this a failed request would look like a success in the service map.
 */
const flagAnswer: MiddlewareObj = {
  after: (request) => flag(statusOf(request.response)),
  onError: (request) => flag(statusOf(request.response) ?? 500),
};

function flag(status: number | undefined): void {
  if (status === undefined || status < 400) return;
  const segment = tracer.getSegment();
  if (!segment) return;
  if (status >= 500) {
    segment.addFaultFlag();
    return;
  }
  segment.addErrorFlag();
  if (status === 429) segment.addThrottleFlag();
}

/** The middy middlewares that trace each invocation; none when tracing is off. The response body is never recorded. */
export function tracingMiddleware<TEvent, TResult>(): MiddlewareObj<TEvent, TResult>[] {
  if (!tracer.isTracingEnabled()) return [];
  return [captureLambdaHandler(tracer, { captureResponse: false }), flagAnswer as MiddlewareObj<TEvent, TResult>];
}

/** An AWS SDK v3 client whose every call is a subsegment (service, operation, request id, retries) and carries the trace header on. */
export function traceAwsClient<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}

/** Runs `fn` in a subsegment named `name` (`Redis`, `PostgreSQL`) when the invocation is traced; an error it throws is recorded on it. */
export async function traced<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!tracer.isTracingEnabled()) return fn();
  return (await tracer.provider.captureAsyncFunc(name, async (subsegment) => {
    try {
      return await fn();
    } catch (error) {
      subsegment?.addError(error as Error);
      throw error;
    } finally {
      subsegment?.close();
    }
  })) as T;
}
