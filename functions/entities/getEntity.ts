import { entityPathSchema } from '../../src/domain/entitySchemas.ts';
import { NotFoundError } from '../../src/domain/errors.ts';
import type { EntityPrefetch } from '../../src/domain/entityReadCache.ts';
import { readScopeFor } from '../../src/domain/principal.ts';
import { prefetchEntity, entityReadCache, entityService } from '../../src/composition/entities.ts';
import { loadAccessTokenVerifier } from '../../src/composition/tokenVerifier.ts';
import { newestVersionIn } from '../../src/http/etag.ts';
import { header } from '../../src/http/headers.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { entityResponse } from '../../src/http/responses.ts';
import { channelOf, isAnonymous, requestPrincipal } from '../../src/identity/requestPrincipal.ts';

/**
 * GET /api/v1/data/entities/{id} (auth optional; read through the cache, `X-Cache: HIT|MISS`)
 * and GET /api/v1/secure/entities/{id} (the table, always). An anonymous read of the data API
 * (public data, the bulk of its traffic) starts its cache read before the middleware stack runs;
 * the cache uses it only if the route asks for the same keys.
 */
export const handler = httpHandler(
  {
    principal: (event) => requestPrincipal(event, loadAccessTokenVerifier),
    path: entityPathSchema,
    prefetch: (event, path): EntityPrefetch | undefined => (isAnonymous(event) ? prefetchEntity(readScopeFor(undefined, 'data'), path.id) : undefined),
  },
  async ({ event, principal, path, ahead }) => {
    const channel = channelOf(event);
    const scope = readScopeFor(principal, channel);
    const ifNoneMatch = header(event, 'if-none-match');
    if (channel === 'secure') return entityResponse(await entityService.get(scope, path.id), { ifNoneMatch });
    const atLeastVersion = newestVersionIn(ifNoneMatch);
    const { entity, cache } = await entityReadCache.get(scope, path.id, { ...(atLeastVersion !== undefined && { atLeastVersion }), ...(ahead && { ahead }) });
    if (!entity) throw new NotFoundError(`No entity with id ${path.id} exists, or you may not see it.`);
    return entityResponse(entity, { ifNoneMatch, headers: { 'X-Cache': cache } });
  },
);
