import { entityPathSchema, pageQuerySchema } from '../../src/domain/entitySchemas.ts';
import { parseInput } from '../../src/domain/parseInput.ts';
import { readEntityHistory } from '../../src/domain/entityHistory.ts';
import { auditTrail } from '../../src/composition/entityTable.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { requireAuthorizerPrincipal } from '../../src/identity/requestPrincipal.ts';
import { jsonResponse } from '../../src/http/responses.ts';

/** GET /api/v1/secure/entities/{id}/history?limit=&cursor= → `{ items: [entity events, newest first], nextCursor }`. */
export const handler = httpHandler(async ({ event }) => {
  const principal = requireAuthorizerPrincipal(event);
  const { id } = parseInput(entityPathSchema, event.pathParameters, 'path');
  const query = parseInput(pageQuerySchema, event.queryStringParameters ?? {}, 'query');
  const page = await readEntityHistory(auditTrail, principal, id, query);
  return jsonResponse(200, { items: page.items, nextCursor: page.nextCursor }, { 'Cache-Control': 'private, no-cache' });
});
