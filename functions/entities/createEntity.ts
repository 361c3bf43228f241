import { createEntitySchema } from '../../src/domain/entitySchemas.ts';
import { parseInput } from '../../src/domain/parseInput.ts';
import { entityService } from '../../src/composition/entities.ts';
import { loadIdempotentExecutor } from '../../src/composition/idempotentExecutor.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { requireAuthorizerPrincipal } from '../../src/identity/requestPrincipal.ts';
import { entityResponse } from '../../src/http/responses.ts';
import { metrics } from '../../src/observability/index.ts';

/** POST /api/v1/secure/entities → 201 with Location and ETag. */
export const handler = httpHandler(
  async ({ event, body }) => {
    const principal = requireAuthorizerPrincipal(event);
    const input = parseInput(createEntitySchema, body, 'body');
    const entity = await entityService.create(principal, input);
    metrics.addMetric('EntitiesCreated', 'Count', 1);
    return entityResponse(entity, { status: 201, location: `/api/v1/secure/entities/${entity.id}` });
  },
  { body: {}, idempotency: loadIdempotentExecutor },
);
