import { adminRequester, jobPathSchema, readJob } from '../../src/domain/jobRequest.ts';
import { SCOPES } from '../../src/domain/principal.ts';
import { parseInput } from '../../src/domain/parseInput.ts';
import { jobRecords } from '../../src/composition/jobRecords.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { requireAuthorizerPrincipal } from '../../src/identity/requestPrincipal.ts';
import { jsonResponse } from '../../src/http/responses.ts';

/** GET /api/v1/secure/jobs/{id} (admin group and entities/read) → 200 the job's status; another tenant's job is a 404. */
export const handler = httpHandler(async ({ event }) => {
  const requester = adminRequester(requireAuthorizerPrincipal(event), SCOPES.read);
  const { id } = parseInput(jobPathSchema, event.pathParameters, 'path');
  return jsonResponse(200, await readJob(jobRecords, requester, id), { 'Cache-Control': 'private, no-cache' });
});
