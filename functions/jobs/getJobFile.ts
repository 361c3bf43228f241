import { adminRequester } from '../../src/domain/jobRequest.ts';
import { SCOPES } from '../../src/domain/principal.ts';
import { jobFilePathSchema } from '../../src/domain/jobFileLinks.ts';
import { parseInput } from '../../src/domain/parseInput.ts';
import { loadJobFileLinks } from '../../src/composition/jobFileLinks.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { requireAuthorizerPrincipal } from '../../src/identity/requestPrincipal.ts';
import { jsonResponse } from '../../src/http/responses.ts';

/** GET /api/v1/secure/jobs/{id}/files/{file} (admin group, entities/read) → 200 a pre-signed download link for an export or an import's rejected lines. */
export const handler = httpHandler(async ({ event }) => {
  const requester = adminRequester(requireAuthorizerPrincipal(event), SCOPES.read);
  const { id, file } = parseInput(jobFilePathSchema, event.pathParameters, 'path');
  return jsonResponse(200, await (await loadJobFileLinks()).link(requester, id, file), { 'Cache-Control': 'no-store' });
});
