import type { APIGatewayProxyEvent } from 'aws-lambda';
import { UnauthenticatedError } from '../domain/errors.ts';
import { TENANT_ID_PATTERN, type Channel, type Principal } from '../domain/principal.ts';
import type { AccessTokenVerifier } from './accessTokenVerifier.ts';
import { header } from '../http/headers.ts';

/** The authorizer context fields (API Gateway only passes strings, numbers and booleans). */
export interface AuthorizerContext {
  sub: string;
  tenantId: string;
  /** Space-separated, as in the token's `scope` claim (scope names never contain spaces: RFC 6749 §3.3). */
  scope: string;
  /**
   * `cognito:groups` as a JSON array of strings: group names may hold any character, so a joined
   * list would be ambiguous (a group named `x,admin` would read as two groups, one of them admin).
   */
  groups: string;
  /** The token's `exp` (seconds since the epoch): API Gateway caches this context per token for the result TTL, so handlers refuse it once the token has expired. */
  exp: number;
}

export function toAuthorizerContext(principal: Principal): AuthorizerContext {
  return { sub: principal.subject, tenantId: principal.tenantId, scope: [...principal.scopes].join(' '), groups: JSON.stringify([...principal.groups]), exp: principal.expiresAt ?? 0 };
}

/** The groups of a context: a JSON array of strings, or nothing at all (any other value grants no group). */
function groupsOf(value: unknown): Set<string> {
  if (typeof value !== 'string' || !value.startsWith('[')) return new Set();
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) && parsed.every((g) => typeof g === 'string') ? new Set(parsed) : new Set();
  } catch {
    return new Set();
  }
}

function fromAuthorizerContext(context: Record<string, unknown> | null | undefined, now: number): Principal | undefined {
  if (!context || typeof context['tenantId'] !== 'string' || typeof context['sub'] !== 'string') return undefined;
  if (!TENANT_ID_PATTERN.test(context['tenantId'])) return undefined;
  // serverless-offline passes context values as they were returned; API Gateway turns them into strings.
  const exp = Number(context['exp']);
  if (!Number.isFinite(exp) || exp <= 0) return undefined;
  if (now >= exp * 1000) throw new UnauthenticatedError('The access token has expired; obtain a new one.');
  const scopes = typeof context['scope'] === 'string' ? context['scope'] : '';
  return { subject: context['sub'], tenantId: context['tenantId'], scopes: new Set(scopes.split(' ').filter(Boolean)), groups: groupsOf(context['groups']), expiresAt: exp };
}

/** The caller the API Gateway authorizer verified, if this request went through it. */
export function authorizerPrincipal(event: APIGatewayProxyEvent, now: number = Date.now()): Principal | undefined {
  return fromAuthorizerContext(event.requestContext?.authorizer, now);
}

export function channelOf(event: Pick<APIGatewayProxyEvent, 'resource'>): Channel {
  return event.resource.startsWith('/api/v1/data/') ? 'data' : 'secure';
}

const BEARER = /^Bearer ([\w-]+\.[\w-]+\.[\w-]*)$/;

/**
 * Whether a request is an anonymous read of the data API (auth optional): no verified caller and
 * no token to verify, the case where requestPrincipal answers `undefined`. Decided from the event
 * alone, without verifying anything (for work started before the route runs).
 */
export function isAnonymous(event: APIGatewayProxyEvent): boolean {
  return channelOf(event) === 'data' && !authorizerPrincipal(event) && header(event, 'authorization') === undefined;
}

/**
 * The caller of a request. On secure routes the API Gateway authorizer has verified the token
 * and its context is the only source. On data routes (auth optional) a token, if sent, is
 * verified here with the same verifier; an invalid one is a 401, never a silent anonymous read.
 */
export async function requestPrincipal(event: APIGatewayProxyEvent, loadVerifier: () => Promise<AccessTokenVerifier>): Promise<Principal | undefined> {
  if (channelOf(event) === 'secure') return requireAuthorizerPrincipal(event);
  const fromAuthorizer = authorizerPrincipal(event);
  if (fromAuthorizer) return fromAuthorizer;
  const authorization = header(event, 'authorization');
  if (authorization === undefined) return undefined;
  const token = BEARER.exec(authorization.trim())?.[1];
  if (!token) throw new UnauthenticatedError('Send the access token as "Authorization: Bearer <token>".');
  return (await loadVerifier()).verify(token);
}

/**
 * The caller of a handler served only under /api/v1/secure: the API Gateway authorizer verified
 * the token, and its context is the only source. Such handlers need no verifier (nor bundle one).
 */
export function requireAuthorizerPrincipal(event: APIGatewayProxyEvent): Principal {
  const caller = authorizerPrincipal(event);
  if (!caller) throw new UnauthenticatedError();
  return caller;
}
