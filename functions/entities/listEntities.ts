import { listEntitiesQuerySchema } from '../../src/domain/entitySchemas.ts';
import { asSeenBy, readScopeFor } from '../../src/domain/principal.ts';
import { entityReadCache, entityService } from '../../src/composition/entities.ts';
import { loadAccessTokenVerifier } from '../../src/composition/tokenVerifier.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { pageResponse } from '../../src/http/responses.ts';
import { channelOf, requestPrincipal } from '../../src/identity/requestPrincipal.ts';

/**
 * GET /api/v1/data/entities (auth optional) and GET /api/v1/secure/entities: `?name=&limit=&cursor=`.
 * On /data a name lookup's first page reads through the cache (`X-Cache: HIT|MISS`).
 */
export const handler = httpHandler(
  { principal: (event) => requestPrincipal(event, loadAccessTokenVerifier), query: listEntitiesQuerySchema },
  async ({ event, principal, query }) => {
    const channel = channelOf(event);
    const scope = readScopeFor(principal, channel);
    if (channel === 'secure') return pageResponse(await entityService.list(scope, query));
    const { page, cache } = await entityReadCache.list(scope, query);
    // Other tenants' entities without their owner: public entities do not enumerate the tenants.
    return pageResponse({ items: page.items.map((e) => asSeenBy(scope, e)), nextCursor: page.nextCursor }, cache === undefined ? {} : { 'X-Cache': cache });
  },
);
