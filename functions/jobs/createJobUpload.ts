import { adminRequester } from '../../src/domain/jobRequest.ts';
import { SCOPES } from '../../src/domain/principal.ts';
import { jobUploadRequestSchema } from '../../src/domain/jobFileLinks.ts';
import { loadJobFileLinks } from '../../src/composition/jobFileLinks.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { jsonResponse } from '../../src/http/responses.ts';
import { requireAuthorizerPrincipal } from '../../src/identity/requestPrincipal.ts';

/** POST /api/v1/secure/jobs/uploads (admin group, entities/write) → 201: where to PUT an import file (pre-signed, under the tenant's imports/) and its `source`. */
export const handler = httpHandler(
  { principal: (event) => adminRequester(requireAuthorizerPrincipal(event), SCOPES.write), body: jobUploadRequestSchema },
  async ({ principal: requester, body }) => jsonResponse(201, await (await loadJobFileLinks()).upload(requester, body), { 'Cache-Control': 'no-store' }),
);
