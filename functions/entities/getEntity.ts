import { entityPathSchema, parseInput } from '../../src/domain/entitySchemas.ts';
import { readScopeFor } from '../../src/domain/principal.ts';
import { accessTokenVerifier, entityService } from '../../src/composition/entities.ts';
import { header } from '../../src/http/headers.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { channelOf, principalOf } from '../../src/http/principal.ts';
import { entityResponse } from '../../src/http/responses.ts';

/** GET /api/v1/data/entities/{id} (auth optional) and GET /api/v1/secure/entities/{id}. */
export const handler = httpHandler(async ({ event }) => {
  const principal = await principalOf(event, accessTokenVerifier);
  const { id } = parseInput(entityPathSchema, event.pathParameters, 'path');
  const entity = await (await entityService()).get(readScopeFor(principal, channelOf(event)), id);
  return entityResponse(entity, { ifNoneMatch: header(event, 'if-none-match') });
});
