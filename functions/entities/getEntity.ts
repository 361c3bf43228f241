import type { APIGatewayProxyEvent } from 'aws-lambda';
import { entityPathSchema } from '../../src/domain/entitySchemas.ts';
import { parseInput } from '../../src/domain/parseInput.ts';
import { NotFoundError } from '../../src/domain/errors.ts';
import type { EntityPrefetch } from '../../src/domain/entityReadCache.ts';
import { readScopeFor } from '../../src/domain/principal.ts';
import { prefetchEntity, entityReadCache, entityService } from '../../src/composition/entities.ts';
import { loadAccessTokenVerifier } from '../../src/composition/tokenVerifier.ts';
import { newestVersionIn } from '../../src/http/etag.ts';
import { header } from '../../src/http/headers.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { channelOf, isAnonymous, requestPrincipal } from '../../src/identity/requestPrincipal.ts';
import { entityResponse } from '../../src/http/responses.ts';

/**
 * An anonymous read of the data API (public data, the bulk of its traffic) starts its cache read
 * before the middleware stack runs; the route below validates the request as always, and the
 * cache uses the read only if it asked for the same keys.
 */
function prefetch(event: APIGatewayProxyEvent): EntityPrefetch | undefined {
  const id = event.pathParameters?.['id'];
  return id !== undefined && isAnonymous(event) ? prefetchEntity(readScopeFor(undefined, 'data'), id) : undefined;
}

/**
 * GET /api/v1/data/entities/{id} (auth optional; read through the cache, `X-Cache: HIT|MISS`)
 * and GET /api/v1/secure/entities/{id} (the table, always).
 */
export const handler = httpHandler<EntityPrefetch>(
  async ({ event, ahead }) => {
    const principal = await requestPrincipal(event, loadAccessTokenVerifier);
    const { id } = parseInput(entityPathSchema, event.pathParameters, 'path');
    const channel = channelOf(event);
    const scope = readScopeFor(principal, channel);
    const ifNoneMatch = header(event, 'if-none-match');
    if (channel === 'secure') return entityResponse(await entityService.get(scope, id), { ifNoneMatch });
    const atLeastVersion = newestVersionIn(ifNoneMatch);
    const { entity, cache } = await entityReadCache.get(scope, id, { ...(atLeastVersion !== undefined && { atLeastVersion }), ...(ahead && { ahead }) });
    if (!entity) throw new NotFoundError(`No entity with id ${id} exists, or you may not see it.`);
    return entityResponse(entity, { ifNoneMatch, headers: { 'X-Cache': cache } });
  },
  { prefetch },
);
