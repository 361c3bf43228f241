import { parseStatsQuery } from '../../src/domain/readModelQueries.ts';
import { loadEntityQueries } from '../../src/composition/entityQueries.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { jsonResponse } from '../../src/http/responses.ts';
import { requireAuthorizerPrincipal } from '../../src/identity/requestPrincipal.ts';

/** GET /api/v1/secure/entities/stats?groupBy=attr.<key>&limit= (the read model, the caller's tenant). */
export const handler = httpHandler({ principal: requireAuthorizerPrincipal, query: parseStatsQuery }, async ({ principal, query, event }) => {
  const result = await (await loadEntityQueries()).stats(principal, query);
  return jsonResponse(200, { groupBy: event.queryStringParameters?.['groupBy'], ...result }, { 'Cache-Control': 'private, no-cache' });
});
