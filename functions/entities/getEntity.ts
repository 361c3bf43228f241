import { entityPathSchema, parseInput } from '../../src/domain/entitySchemas.ts';
import { NotFoundError } from '../../src/domain/errors.ts';
import { readScopeFor } from '../../src/domain/principal.ts';
import { entityReadCache, entityService } from '../../src/composition/entities.ts';
import { accessTokenVerifier } from '../../src/composition/tokenVerifier.ts';
import { newestVersionIn } from '../../src/http/etag.ts';
import { header } from '../../src/http/headers.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { channelOf, principalOf } from '../../src/http/principal.ts';
import { entityResponse } from '../../src/http/responses.ts';

/**
 * GET /api/v1/data/entities/{id} (auth optional; read through the cache, `X-Cache: HIT|MISS`)
 * and GET /api/v1/secure/entities/{id} (the table, always).
 */
export const handler = httpHandler(async ({ event }) => {
  const principal = await principalOf(event, accessTokenVerifier);
  const { id } = parseInput(entityPathSchema, event.pathParameters, 'path');
  const channel = channelOf(event);
  const scope = readScopeFor(principal, channel);
  const ifNoneMatch = header(event, 'if-none-match');
  if (channel === 'secure') return entityResponse(await (await entityService()).get(scope, id), { ifNoneMatch });
  const atLeastVersion = newestVersionIn(ifNoneMatch);
  const { entity, cache, json } = await (await entityReadCache()).get(scope, id, { ...(atLeastVersion !== undefined && { atLeastVersion }) });
  if (!entity) throw new NotFoundError(`No entity with id ${id} exists, or you may not see it.`);
  return entityResponse(entity, { ifNoneMatch, headers: { 'X-Cache': cache }, json });
});
