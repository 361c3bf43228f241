import { parseSearchQuery } from '../../src/domain/readModelQueries.ts';
import { loadEntityQueries } from '../../src/composition/entityQueries.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { jsonResponse } from '../../src/http/responses.ts';
import { requireAuthorizerPrincipal } from '../../src/identity/requestPrincipal.ts';

/** GET /api/v1/secure/entities/search?q=&attr.<key>=<value>&sort=&limit=&cursor= (the read model, the caller's tenant). */
export const handler = httpHandler({ principal: requireAuthorizerPrincipal, query: parseSearchQuery }, async ({ principal, query }) => {
  const page = await (await loadEntityQueries()).search(principal, query);
  return jsonResponse(200, { items: page.items, nextCursor: page.nextCursor, readModel: page.readModel }, { 'Cache-Control': 'private, no-cache' });
});
