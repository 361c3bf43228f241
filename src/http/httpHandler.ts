import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { logger, metrics, tracer } from '../observability.ts';
import { emitMetrics } from '../observability/metrics.ts';
import { captureLambdaHandler } from '../observability/tracer.ts';
import { header } from './headers.ts';
import { idempotencyKeyOf, type IdempotentExecutor } from './idempotencyKey.ts';
import { httpBoundary, settleClientErrors, type BoundaryContext } from './middleware/httpBoundary.ts';
import { callerOf } from './principal.ts';
import { jsonBody, type JsonBodyOptions } from './middleware/jsonBody.ts';

export interface HttpRequest {
  readonly event: APIGatewayProxyEvent;
  /** The parsed JSON body, for routes declared with `body`. */
  readonly body: unknown;
}

export interface HttpHandlerOptions {
  /** The route takes a JSON body. */
  readonly body?: JsonBodyOptions;
  /** The route honours `Idempotency-Key` (writes): the executor that stores outcomes. */
  readonly idempotency?: () => Promise<IdempotentExecutor>;
}

export type Route = (request: HttpRequest) => Promise<APIGatewayProxyResult>;

/**
 * The one middy stack every HTTP handler shares: Powertools logger (Lambda context, correlation
 * id), X-Ray tracer, EMF metrics with the cold-start metric, the problem+json boundary, JSON body
 * parsing where the route has a body, and Idempotency-Key handling where the route writes.
 * Handlers supply only the route.
 */
export function httpHandler(route: Route, options: HttpHandlerOptions = {}) {
  const stack = middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, BoundaryContext>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer))
    .use(emitMetrics(metrics))
    .use(httpBoundary());
  if (options.body) stack.use(jsonBody(options.body));
  return stack.handler(async (event, context) => {
    const request: HttpRequest = { event, body: (event as { body: unknown }).body };
    const key = options.idempotency ? idempotencyKeyOf(event) : undefined;
    if (!options.idempotency || key === undefined) return route(request);
    const caller = callerOf(event);
    const fingerprint = { method: event.httpMethod, path: event.path, body: request.body ?? null, ifMatch: header(event, 'if-match') ?? null };
    const execute = await options.idempotency();
    return execute({ scope: caller ? `${caller.tenantId}#${caller.subject}` : 'anonymous', key, fingerprint }, context, () => settleClientErrors(route(request), event, context));
  });
}
