import { entityPathSchema } from '../../src/domain/entitySchemas.ts';
import { parseInput } from '../../src/domain/parseInput.ts';
import { entityService } from '../../src/composition/entities.ts';
import { loadIdempotentExecutor } from '../../src/composition/idempotentExecutor.ts';
import { expectedVersionFrom } from '../../src/http/etag.ts';
import { header } from '../../src/http/headers.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { requireAuthorizerPrincipal } from '../../src/identity/requestPrincipal.ts';
import { noContent } from '../../src/http/responses.ts';
import { metrics } from '../../src/observability/index.ts';

/** DELETE /api/v1/secure/entities/{id} → 204; If-Match pins the version. */
export const handler = httpHandler(async ({ event }) => {
  const principal = requireAuthorizerPrincipal(event);
  const { id } = parseInput(entityPathSchema, event.pathParameters, 'path');
  await entityService.delete(principal, id, expectedVersionFrom(header(event, 'if-match')));
  metrics.addMetric('EntitiesDeleted', 'Count', 1);
  return noContent();
}, { idempotency: loadIdempotentExecutor });
