import { createEntitySchema } from '../../src/domain/entitySchemas.ts';
import { entityService } from '../../src/composition/entities.ts';
import { loadIdempotentExecutor } from '../../src/composition/idempotentExecutor.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { entityResponse } from '../../src/http/responses.ts';
import { requireAuthorizerPrincipal } from '../../src/identity/requestPrincipal.ts';

/** POST /api/v1/secure/entities → 201 with Location and ETag. */
export const handler = httpHandler(
  { principal: requireAuthorizerPrincipal, body: createEntitySchema, idempotency: loadIdempotentExecutor, countAs: 'EntitiesCreated' },
  async ({ principal, body }) => {
    const entity = await entityService.create(principal, body);
    return entityResponse(entity, { status: 201, location: `/api/v1/secure/entities/${entity.id}` });
  },
);
