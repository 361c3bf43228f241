import type { APIGatewayProxyEvent } from 'aws-lambda';
import { UnauthenticatedError } from '../domain/errors.ts';
import { TENANT_ID_PATTERN, type Channel, type Principal } from '../domain/principal.ts';
import type { AccessTokenVerifier } from '../adapters/identity/accessTokenVerifier.ts';
import { header } from './headers.ts';

/** The authorizer context fields (API Gateway only passes strings, numbers and booleans). */
export interface AuthorizerContext {
  sub: string;
  tenantId: string;
  /** Space-separated, as in the token's `scope` claim. */
  scope: string;
  /** Comma-separated `cognito:groups`. */
  groups: string;
}

export function toAuthorizerContext(principal: Principal): AuthorizerContext {
  return { sub: principal.subject, tenantId: principal.tenantId, scope: [...principal.scopes].join(' '), groups: [...principal.groups].join(',') };
}

function fromAuthorizerContext(context: Record<string, unknown> | null | undefined): Principal | undefined {
  if (!context || typeof context['tenantId'] !== 'string' || typeof context['sub'] !== 'string') return undefined;
  if (!TENANT_ID_PATTERN.test(context['tenantId'])) return undefined;
  const scopes = typeof context['scope'] === 'string' ? context['scope'] : '';
  const groups = typeof context['groups'] === 'string' ? context['groups'] : '';
  return { subject: context['sub'], tenantId: context['tenantId'], scopes: new Set(scopes.split(' ').filter(Boolean)), groups: new Set(groups.split(',').filter(Boolean)) };
}

/** The caller the API Gateway authorizer verified, if this request went through it. */
export function callerOf(event: APIGatewayProxyEvent): Principal | undefined {
  return fromAuthorizerContext(event.requestContext?.authorizer);
}

export function channelOf(event: Pick<APIGatewayProxyEvent, 'resource'>): Channel {
  return event.resource.startsWith('/api/v1/data/') ? 'data' : 'secure';
}

const BEARER = /^Bearer ([\w-]+\.[\w-]+\.[\w-]*)$/;

/**
 * Whether a request is an anonymous read of the data API (auth optional): no verified caller and
 * no token to verify, the case where principalOf answers `undefined`. Decided from the event
 * alone, without verifying anything (for work started before the route runs).
 */
export function isAnonymous(event: APIGatewayProxyEvent): boolean {
  return channelOf(event) === 'data' && !callerOf(event) && header(event, 'authorization') === undefined;
}

/**
 * The caller of a request. On secure routes the API Gateway authorizer has verified the token
 * and its context is the only source. On data routes (auth optional) a token, if sent, is
 * verified here with the same verifier; an invalid one is a 401, never a silent anonymous read.
 */
export async function principalOf(event: APIGatewayProxyEvent, verifier: () => Promise<AccessTokenVerifier>): Promise<Principal | undefined> {
  if (channelOf(event) === 'secure') return securePrincipalOf(event);
  const fromAuthorizer = callerOf(event);
  if (fromAuthorizer) return fromAuthorizer;
  const authorization = header(event, 'authorization');
  if (authorization === undefined) return undefined;
  const token = BEARER.exec(authorization.trim())?.[1];
  if (!token) throw new UnauthenticatedError('Send the access token as "Authorization: Bearer <token>".');
  return (await verifier()).verify(token);
}

/**
 * The caller of a handler served only under /api/v1/secure: the API Gateway authorizer verified
 * the token, and its context is the only source. Such handlers need no verifier (nor bundle one).
 */
export function securePrincipalOf(event: APIGatewayProxyEvent): Principal {
  const caller = callerOf(event);
  if (!caller) throw new UnauthenticatedError();
  return caller;
}
