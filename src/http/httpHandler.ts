import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { recordedAsCaller } from '../observability/awsCallLog.ts';
import { logger } from '../observability/logger.ts';
import { metricsMiddleware } from '../observability/metrics.ts';
import { tracingMiddleware } from '../observability/tracing.ts';
import { header } from './headers.ts';
import { idempotencyKeyOf, type IdempotentExecutor } from './idempotencyKey.ts';
import { httpBoundary, settleClientErrors, type BoundaryContext } from './middleware/httpBoundary.ts';
import { authorizerPrincipal } from '../identity/requestPrincipal.ts';
import { jsonBody, type JsonBodyOptions } from './middleware/jsonBody.ts';

export interface HttpRequest<Ahead = never> {
  readonly event: APIGatewayProxyEvent;
  /** The parsed JSON body, for routes declared with `body`. */
  readonly body: unknown;
  /** What the route's `prefetch` started for this request, if anything. */
  readonly ahead?: Ahead;
}

export interface HttpHandlerOptions<Ahead = never> {
  /** The route takes a JSON body. */
  readonly body?: JsonBodyOptions;
  /** The route honours `Idempotency-Key` (writes): the executor that stores outcomes. */
  readonly idempotency?: () => Promise<IdempotentExecutor>;
  /**
   * Starts, from the raw event, I/O the route will need (a cache read) before the middleware stack
   * runs, so that the stack's work overlaps its round trip; the route gets it as `request.ahead`.
   * It must only start the I/O: the route still validates the request, and decides whether what
   * was started answers it. A throw is ignored (the route does the work itself).
   */
  readonly prefetch?: (event: APIGatewayProxyEvent) => Ahead | undefined;
}

export type Route<Ahead = never> = (request: HttpRequest<Ahead>) => Promise<APIGatewayProxyResult>;

type Invocation = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/**
 * The one middy stack every HTTP handler shares: Powertools logger (Lambda context, correlation
 * id), X-Ray tracer, EMF metrics with the cold-start metric, the problem+json boundary, JSON body
 * parsing where the route has a body, and Idempotency-Key handling where the route writes.
 * Handlers supply only the route, and optionally the I/O to start before the stack (`prefetch`).
 */
export function httpHandler<Ahead = never>(route: Route<Ahead>, options: HttpHandlerOptions<Ahead> = {}): Invocation {
  const stack = middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, BoundaryContext>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(tracingMiddleware())
    .use(metricsMiddleware())
    .use(httpBoundary());
  if (options.body) stack.use(jsonBody(options.body));
  const aheads = new WeakMap<Context, Ahead>();
  const handler = stack.handler(async (event, context) => {
    // Taken once: a runtime that reused the context object must not hand a later invocation this one's.
    const ahead = aheads.get(context);
    aheads.delete(context);
    const request: HttpRequest<Ahead> = { event, body: (event as { body: unknown }).body, ...(ahead !== undefined && { ahead }) };
    const key = options.idempotency ? idempotencyKeyOf(event) : undefined;
    if (!options.idempotency || key === undefined) return route(request);
    const caller = authorizerPrincipal(event);
    const fingerprint = { method: event.httpMethod, path: event.path, body: request.body ?? null, ifMatch: header(event, 'if-match') ?? null };
    const execute = await options.idempotency();
    return execute({ scope: caller ? [caller.tenantId, caller.subject] : [], key, fingerprint }, context, () => settleClientErrors(route(request), event, context));
  });
  const { prefetch } = options;
  if (!prefetch) return recordedAsCaller(handler);
  return recordedAsCaller((event, context) => {
    let ahead: Ahead | undefined;
    try {
      ahead = prefetch(event);
    } catch {
      ahead = undefined; // the route does the work itself
    }
    if (ahead === undefined) aheads.delete(context);
    else aheads.set(context, ahead);
    return handler(event, context);
  });
}
