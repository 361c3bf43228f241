import type { APIGatewayProxyResult } from 'aws-lambda';
import type { Entity, EntityWithoutTenant } from '../domain/entity.ts';
import type { CachedEntity } from '../domain/entityReadCache.ts';
import type { Page } from '../domain/ports.ts';
import { etagFor, isNotModified } from './etag.ts';

/** Static data (the OpenAPI document, the reference page) is cacheable for an hour. */
export const STATIC_CACHE_CONTROL = 'public, max-age=3600';

const JSON_HEADERS = { 'Content-Type': 'application/json' } as const;

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export interface EntityResponseOptions {
  readonly status?: 200 | 201;
  readonly location?: string;
  /** The request's If-None-Match, for conditional GETs. */
  readonly ifNoneMatch?: string | undefined;
  /** Cache-Control for this representation (private entities are never shared-cacheable). */
  readonly cacheControl?: string;
  /** Extra headers (e.g. X-Cache), on the 200 and the 304. */
  readonly headers?: Record<string, string>;
}

/** An entity, serialised here, or an entity as the cache answers it, whose JSON is sent as it is. */
export function entityResponse(entity: Entity | CachedEntity, options: EntityResponseOptions = {}): APIGatewayProxyResult {
  const etag = etagFor(entity.version);
  const cacheControl = options.cacheControl ?? (entity.visibility === 'public' ? 'public, max-age=0, must-revalidate' : 'private, no-cache');
  if (isNotModified(options.ifNoneMatch, entity.version)) {
    return { statusCode: 304, headers: { ETag: etag, 'Cache-Control': cacheControl, ...options.headers }, body: '' };
  }
  const headers = {
    ...JSON_HEADERS,
    ETag: etag,
    'Cache-Control': cacheControl,
    ...(options.location && { Location: options.location }),
    ...options.headers,
  };
  return { statusCode: options.status ?? 200, headers, body: 'json' in entity ? entity.json : JSON.stringify(entity) };
}

export function pageResponse(page: Page<Entity | EntityWithoutTenant>, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return jsonResponse(200, { items: page.items, nextCursor: page.nextCursor }, { 'Cache-Control': 'private, no-cache', ...headers });
}

export function noContent(headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode: 204, headers, body: '' };
}
