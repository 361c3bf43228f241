import { adminRequester } from '../../src/domain/jobRequest.ts';
import { SCOPES } from '../../src/domain/principal.ts';
import { jobFilePathSchema } from '../../src/domain/jobFileLinks.ts';
import { loadJobFileLinks } from '../../src/composition/jobFileLinks.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { jsonResponse } from '../../src/http/responses.ts';
import { requireAuthorizerPrincipal } from '../../src/identity/requestPrincipal.ts';

/** GET /api/v1/secure/jobs/{id}/files/{file} (admin group, entities/read) → 200 a pre-signed download link for an export or an import's rejected lines. */
export const handler = httpHandler(
  { principal: (event) => adminRequester(requireAuthorizerPrincipal(event), SCOPES.read), path: jobFilePathSchema },
  async ({ principal: requester, path }) => jsonResponse(200, await (await loadJobFileLinks()).link(requester, path.id, path.file), { 'Cache-Control': 'no-store' }),
);
