import middy from '@middy/core';
import type * as z from 'zod/mini';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { recordedAsCaller } from '../observability/awsCallLog.ts';
import { logger } from '../observability/logger.ts';
import { metrics, metricsMiddleware } from '../observability/metrics.ts';
import { tracingMiddleware } from '../observability/tracing.ts';
import { header } from './headers.ts';
import { idempotencyKeyOf, type IdempotentExecutor } from './idempotencyKey.ts';
import { httpBoundary, settleClientErrors, type BoundaryContext } from './middleware/httpBoundary.ts';
import { authorizerPrincipal } from '../identity/requestPrincipal.ts';
import { parseInput } from '../domain/parseInput.ts';
import { expectedVersionFrom } from './etag.ts';
import { jsonBody } from './middleware/jsonBody.ts';

type Schema = z.core.$ZodType;
type Parameters = Record<string, string | undefined>;

/** How a route reads a part of the request: a zod schema, or a parser of its own (the search's `attr.<key>` filters). */
export type RequestPart<T = unknown> = Schema | ((raw: Parameters) => T);
type Parsed<P> = P extends Schema ? z.output<P> : P extends (raw: Parameters) => infer T ? T : undefined;

/**
 * What a route needs of its request, parsed before the route runs and once per invocation, in
 * this order (so the first problem a caller has is the one answered): the caller, the path
 * parameters, the query string, the JSON body, If-Match.
 */
export interface RouteDeclaration<Caller, PathPart, QueryPart, BodyPart, Ahead> {
  /** The caller: `requireAuthorizerPrincipal` (secure routes), an optional verified caller (data routes); it may also refuse one (403). */
  readonly principal?: (event: APIGatewayProxyEvent) => Caller | Promise<Caller>;
  readonly path?: PathPart;
  readonly query?: QueryPart;
  /** The route takes a JSON body (jsonBody middleware: media type, size, depth, exact numbers), validated by this part. */
  readonly body?: BodyPart;
  /** Media types accepted for the body besides `application/json`, e.g. `application/merge-patch+json`. */
  readonly alsoAccept?: readonly string[];
  /** The route honours If-Match: `request.expectedVersion` is the version it pins (undefined: none). */
  readonly ifMatch?: boolean;
  /** The route honours `Idempotency-Key` (writes): the executor that stores outcomes. */
  readonly idempotency?: () => Promise<IdempotentExecutor>;
  /** A count metric (EMF) recorded once for each answered request (not for a problem). */
  readonly countAs?: string;
  /**
   * Starts, from the parsed path, I/O the route will need (a cache read) before the middleware
   * stack runs, so that the stack's work overlaps its round trip; the route gets it as
   * `request.ahead`. It must only start the I/O: the route decides whether what was started
   * answers it. A throw is ignored (the route does the work itself).
   */
  readonly prefetch?: (event: APIGatewayProxyEvent, path: Parsed<PathPart>) => Ahead | undefined;
}

export interface HttpRequest<Caller = undefined, Path = undefined, Query = undefined, Body = undefined, Ahead = never> {
  readonly event: APIGatewayProxyEvent;
  readonly principal: Caller;
  readonly path: Path;
  readonly query: Query;
  readonly body: Body;
  /** If-Match's version, for routes declared with `ifMatch`. */
  readonly expectedVersion: number | undefined;
  /** What the route's `prefetch` started for this request, if anything. */
  readonly ahead?: Ahead;
}

export type Route<Caller = undefined, Path = undefined, Query = undefined, Body = undefined, Ahead = never> = (request: HttpRequest<Caller, Path, Query, Body, Ahead>) => Promise<APIGatewayProxyResult>;

type Invocation = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

function parsePart(part: RequestPart | undefined, raw: unknown, where: 'path' | 'query' | 'body'): unknown {
  if (part === undefined) return undefined;
  if (typeof part === 'function') return part((raw ?? {}) as Parameters);
  return parseInput(part, where === 'body' ? raw : (raw ?? {}), where);
}

/** A path parsed before the stack (for `prefetch`), or why it did not parse (thrown again inside the stack, as a problem). */
type EarlyPath = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * The one middy stack every HTTP handler shares: Powertools logger (Lambda context, correlation
 * id), X-Ray tracer, EMF metrics with the cold-start metric, the problem+json boundary, JSON body
 * parsing where the route takes a body, and Idempotency-Key handling where the route writes.
 * Handlers declare what they need of the request (RouteDeclaration) and get it parsed and typed.
 */
export function httpHandler(route: Route): Invocation;
export function httpHandler<Caller = undefined, PathPart extends RequestPart | undefined = undefined, QueryPart extends RequestPart | undefined = undefined, BodyPart extends RequestPart | undefined = undefined, Ahead = never>(
  declaration: RouteDeclaration<Caller, PathPart, QueryPart, BodyPart, Ahead>,
  route: Route<Caller, Parsed<PathPart>, Parsed<QueryPart>, Parsed<BodyPart>, Ahead>,
): Invocation;
export function httpHandler(first: RouteDeclaration<unknown, RequestPart, RequestPart, RequestPart, unknown> | Route, second?: Route<unknown, unknown, unknown, unknown, unknown>): Invocation {
  const declaration: RouteDeclaration<unknown, RequestPart, RequestPart, RequestPart, unknown> = typeof first === 'function' ? {} : first;
  const route = (typeof first === 'function' ? first : second!) as Route<unknown, unknown, unknown, unknown, unknown>;
  const stack = middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, BoundaryContext>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(tracingMiddleware())
    .use(metricsMiddleware())
    .use(httpBoundary());
  if (declaration.body !== undefined) stack.use(jsonBody(declaration.alsoAccept ? { alsoAccept: declaration.alsoAccept } : {}));
  const early = new WeakMap<Context, { path: EarlyPath; ahead: unknown }>();
  const handler = stack.handler(async (event, context) => {
    // Taken once: a runtime that reused the context object must not hand a later invocation this one's.
    const before = early.get(context);
    early.delete(context);
    const principal = declaration.principal ? await declaration.principal(event) : undefined;
    let path: unknown;
    if (before === undefined) path = parsePart(declaration.path, event.pathParameters, 'path');
    else if (before.path.ok) path = before.path.value;
    else throw before.path.error;
    const rawBody = (event as { body: unknown }).body;
    const request: HttpRequest<unknown, unknown, unknown, unknown, unknown> = {
      event,
      principal,
      path,
      query: parsePart(declaration.query, event.queryStringParameters, 'query'),
      body: parsePart(declaration.body, rawBody, 'body'),
      expectedVersion: declaration.ifMatch ? expectedVersionFrom(header(event, 'if-match')) : undefined,
      ...(before?.ahead !== undefined && { ahead: before.ahead }),
    };
    const { countAs } = declaration;
    const answer = async () => {
      const response = await route(request);
      if (countAs !== undefined) metrics.addMetric(countAs, 'Count', 1);
      return response;
    };
    const key = declaration.idempotency ? idempotencyKeyOf(event) : undefined;
    if (!declaration.idempotency || key === undefined) return answer();
    const caller = authorizerPrincipal(event);
    const fingerprint = { method: event.httpMethod, path: event.path, body: rawBody ?? null, ifMatch: header(event, 'if-match') ?? null };
    const execute = await declaration.idempotency();
    return execute({ scope: caller ? [caller.tenantId, caller.subject] : [], key, fingerprint }, context, () => settleClientErrors(answer(), event, context));
  });
  const { prefetch } = declaration;
  if (!prefetch) return recordedAsCaller(handler);
  return recordedAsCaller((event, context) => {
    let path: EarlyPath;
    try {
      path = { ok: true, value: parsePart(declaration.path, event.pathParameters, 'path') };
    } catch (error) {
      path = { ok: false, error };
    }
    let ahead: unknown;
    try {
      ahead = path.ok ? prefetch(event, path.value) : undefined;
    } catch {
      ahead = undefined; // the route does the work itself
    }
    early.set(context, { path, ahead });
    return handler(event, context);
  });
}
