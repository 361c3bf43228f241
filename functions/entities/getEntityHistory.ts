import { entityPathSchema, pageQuerySchema } from '../../src/domain/entitySchemas.ts';
import { readEntityHistory } from '../../src/domain/entityHistory.ts';
import { auditTrail } from '../../src/composition/entityTable.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { jsonResponse } from '../../src/http/responses.ts';
import { requireAuthorizerPrincipal } from '../../src/identity/requestPrincipal.ts';

/** GET /api/v1/secure/entities/{id}/history?limit=&cursor= → `{ items: [entity events, newest first], nextCursor }`. */
export const handler = httpHandler({ principal: requireAuthorizerPrincipal, path: entityPathSchema, query: pageQuerySchema }, async ({ principal, path, query }) => {
  const page = await readEntityHistory(auditTrail, principal, path.id, query);
  return jsonResponse(200, { items: page.items, nextCursor: page.nextCursor }, { 'Cache-Control': 'private, no-cache' });
});
