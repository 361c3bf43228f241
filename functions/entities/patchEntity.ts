import { entityPathSchema, patchEntitySchema } from '../../src/domain/entitySchemas.ts';
import { parseInput } from '../../src/domain/parseInput.ts';
import { entityService } from '../../src/composition/entities.ts';
import { loadIdempotentExecutor } from '../../src/composition/idempotentExecutor.ts';
import { expectedVersionFrom } from '../../src/http/etag.ts';
import { header } from '../../src/http/headers.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { requireAuthorizerPrincipal } from '../../src/identity/requestPrincipal.ts';
import { entityResponse } from '../../src/http/responses.ts';
import { metrics } from '../../src/observability/index.ts';

/** PATCH /api/v1/secure/entities/{id}: a JSON Merge Patch (RFC 7396); If-Match pins the version. */
export const handler = httpHandler(
  async ({ event, body }) => {
    const principal = requireAuthorizerPrincipal(event);
    const { id } = parseInput(entityPathSchema, event.pathParameters, 'path');
    const patch = parseInput(patchEntitySchema, body, 'body');
    const entity = await entityService.patch(principal, id, patch, expectedVersionFrom(header(event, 'if-match')));
    metrics.addMetric('EntitiesUpdated', 'Count', 1);
    return entityResponse(entity);
  },
  { body: { alsoAccept: ['application/merge-patch+json'] }, idempotency: loadIdempotentExecutor },
);
