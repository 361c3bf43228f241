import { entityPathSchema, replaceEntitySchema } from '../../src/domain/entitySchemas.ts';
import { parseInput } from '../../src/domain/parseInput.ts';
import { entityService } from '../../src/composition/entities.ts';
import { loadIdempotentExecutor } from '../../src/composition/idempotentExecutor.ts';
import { expectedVersionFrom } from '../../src/http/etag.ts';
import { header } from '../../src/http/headers.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { requireAuthorizerPrincipal } from '../../src/identity/requestPrincipal.ts';
import { entityResponse } from '../../src/http/responses.ts';
import { metrics } from '../../src/observability/index.ts';

/** PUT /api/v1/secure/entities/{id}: replaces name, attributes and visibility; If-Match pins the version. */
export const handler = httpHandler(
  async ({ event, body }) => {
    const principal = requireAuthorizerPrincipal(event);
    const { id } = parseInput(entityPathSchema, event.pathParameters, 'path');
    const input = parseInput(replaceEntitySchema, body, 'body');
    const entity = await entityService.replace(principal, id, input, expectedVersionFrom(header(event, 'if-match')));
    metrics.addMetric('EntitiesUpdated', 'Count', 1);
    return entityResponse(entity);
  },
  { body: {}, idempotency: loadIdempotentExecutor },
);
