import { listEntitiesQuerySchema, parseInput } from '../../src/domain/entitySchemas.ts';
import { readScopeFor } from '../../src/domain/principal.ts';
import { accessTokenVerifier, entityService } from '../../src/composition/entities.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { channelOf, principalOf } from '../../src/http/principal.ts';
import { pageResponse } from '../../src/http/responses.ts';

/** GET /api/v1/data/entities (auth optional) and GET /api/v1/secure/entities: `?name=&limit=&cursor=`. */
export const handler = httpHandler(async ({ event }) => {
  const principal = await principalOf(event, accessTokenVerifier);
  const query = parseInput(listEntitiesQuerySchema, event.queryStringParameters ?? {}, 'query');
  return pageResponse(await (await entityService()).list(readScopeFor(principal, channelOf(event)), query));
});
