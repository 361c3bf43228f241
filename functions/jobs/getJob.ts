import { adminRequester, jobPathSchema, readJob } from '../../src/domain/jobRequest.ts';
import { SCOPES } from '../../src/domain/principal.ts';
import { jobRecords } from '../../src/composition/jobRecords.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { jsonResponse } from '../../src/http/responses.ts';
import { requireAuthorizerPrincipal } from '../../src/identity/requestPrincipal.ts';

/** GET /api/v1/secure/jobs/{id} (admin group and entities/read) → 200 the job's status; another tenant's job is a 404. */
export const handler = httpHandler(
  { principal: (event) => adminRequester(requireAuthorizerPrincipal(event), SCOPES.read), path: jobPathSchema },
  async ({ principal: requester, path }) => jsonResponse(200, await readJob(jobRecords, requester, path.id), { 'Cache-Control': 'private, no-cache' }),
);
