import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { logger, metrics, tracer } from '../observability.ts';
import { httpBoundary, type BoundaryContext } from './middleware/httpBoundary.ts';
import { jsonBody, type JsonBodyOptions } from './middleware/jsonBody.ts';

export interface HttpRequest {
  readonly event: APIGatewayProxyEvent;
  /** The parsed JSON body, for routes declared with `body`. */
  readonly body: unknown;
}

export interface HttpHandlerOptions {
  /** The route takes a JSON body. */
  readonly body?: JsonBodyOptions;
}

export type Route = (request: HttpRequest) => Promise<APIGatewayProxyResult>;

/**
 * The one middy stack every HTTP handler shares: Powertools logger (Lambda context, correlation
 * id), tracer, EMF metrics with the cold-start metric, the problem+json boundary, and JSON body
 * parsing where the route has a body. Handlers supply only the route.
 */
export function httpHandler(route: Route, options: HttpHandlerOptions = {}) {
  const stack = middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, BoundaryContext>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(httpBoundary());
  if (options.body) stack.use(jsonBody(options.body));
  return stack.handler((event) => route({ event, body: (event as { body: unknown }).body }));
}
