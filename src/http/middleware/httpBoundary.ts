import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { consoleOrigin } from '../../config/environment.ts';
import { DomainError } from '../../domain/errors.ts';
import { logger } from '../../observability/index.ts';
import { header } from '../headers.ts';
import { HttpProblem, problemForDomainError, problemResponse } from '../problem.ts';

export const CORRELATION_HEADER = 'x-correlation-id';
const CORRELATION_ID = /^[\w.:@/+=-]{1,128}$/;

export interface BoundaryContext extends Context {
  correlationId?: string;
}

type Request = { event: APIGatewayProxyEvent; context: BoundaryContext; response: APIGatewayProxyResult | undefined; error: unknown };

/** The correlation id: the caller's `x-correlation-id` when well-formed, else API Gateway's request id. */
function correlationIdOf(event: APIGatewayProxyEvent, context: Context): string {
  const given = header(event, CORRELATION_HEADER);
  if (given !== undefined && CORRELATION_ID.test(given)) return given;
  return event.requestContext?.requestId ?? context.awsRequestId;
}

/**
 * CORS for the console (docs/console.md): its one origin, read once per container
 * (`CONSOLE_ORIGIN`: the distribution or the stage's console domain; locally the console's port),
 * may read every answer and the headers the console uses. The same origin is sent whatever the
 * request's `Origin`, so a cached answer (the gateway's stage cache) is right for every caller.
 * Preflights are answered by API Gateway (and serverless-offline) from the `cors` settings.
 */
const CONSOLE_ORIGIN = consoleOrigin();
const EXPOSED_HEADERS = 'ETag, Location, x-correlation-id, Idempotent-Replayed, Retry-After, X-Cache, WWW-Authenticate, Allow';
const corsHeaders: Record<string, string> = CONSOLE_ORIGIN ? { 'Access-Control-Allow-Origin': CONSOLE_ORIGIN, 'Access-Control-Expose-Headers': EXPOSED_HEADERS } : {};

function withCorrelation(response: APIGatewayProxyResult, correlationId: string): APIGatewayProxyResult {
  return { ...response, headers: { ...response.headers, ...corsHeaders, [CORRELATION_HEADER]: correlationId } };
}

/**
 * The edge of every HTTP handler: correlation ids in, correlation ids out, and every error as an
 * RFC 9457 problem. Errors a caller caused are 4xx with what to fix; anything else is a 500 that
 * carries no internals (the details go to the log, keyed by the correlation id).
 */
export function httpBoundary(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, BoundaryContext> {
  return {
    before: (request) => {
      const correlationId = correlationIdOf(request.event, request.context);
      request.context.correlationId = correlationId;
      // One call for the request's keys (what setCorrelationId does, plus the route): each call into the logger's store costs.
      logger.appendKeys({ correlation_id: correlationId, httpMethod: request.event.httpMethod, resource: request.event.resource });
    },
    after: (request) => {
      if (request.response) request.response = withCorrelation(request.response, request.context.correlationId ?? '');
    },
    onError: (request) => {
      const r = request as unknown as Request;
      const correlationId = r.context.correlationId ?? correlationIdOf(r.event, r.context);
      const problem = toProblem(r.error);
      if (problem.type === 'internal') {
        logger.error('Unhandled error', { error: r.error as Error });
      } else {
        logger.info('Request rejected', { status: problem.type, detail: problem.message });
      }
      r.response = withCorrelation(problemResponse(problem, { instance: r.event.path, correlationId }), correlationId);
    },
  };
}

function toProblem(error: unknown): HttpProblem {
  return clientProblemOf(error) ?? new HttpProblem('internal', 'The service failed to handle the request. Retry later; quote the correlation id if you report it.');
}

/** The problem for an error the caller caused (a 4xx), or `undefined` for a fault of ours. */
function clientProblemOf(error: unknown): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error.type === 'internal' ? undefined : error;
  if (error instanceof DomainError) return problemForDomainError(error);
  return undefined;
}

/**
 * Settles a route's client errors into their 4xx responses and lets faults (5xx) propagate; the
 * idempotency layer keeps what this returns and forgets what it throws.
 */
export async function settleClientErrors(outcome: Promise<APIGatewayProxyResult>, event: APIGatewayProxyEvent, context: BoundaryContext): Promise<APIGatewayProxyResult> {
  try {
    return await outcome;
  } catch (error) {
    const problem = clientProblemOf(error);
    if (!problem) throw error;
    logger.info('Request rejected', { status: problem.type, detail: problem.message });
    return problemResponse(problem, { instance: event.path, correlationId: context.correlationId ?? correlationIdOf(event, context) });
  }
}
