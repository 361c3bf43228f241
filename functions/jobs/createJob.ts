import { adminRequester, JOB_SCOPES, jobRequestSchema } from '../../src/domain/jobRequest.ts';
import { parseInput } from '../../src/domain/parseInput.ts';
import { loadIdempotentExecutor } from '../../src/composition/idempotentExecutor.ts';
import { loadJobService } from '../../src/composition/jobService.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { requireAuthorizerPrincipal } from '../../src/identity/requestPrincipal.ts';
import { jsonResponse } from '../../src/http/responses.ts';

/** POST /api/v1/secure/jobs (admin group, plus entities/read for an export or entities/write for an import or rebuild) → 202 with the job (QUEUED, its task started) and its Location. */
export const handler = httpHandler(
  async ({ event, body }) => {
    const principal = requireAuthorizerPrincipal(event);
    adminRequester(principal); // 403 before the body is looked at: only admins learn what a job body may hold
    const request = parseInput(jobRequestSchema, body, 'body');
    const requester = adminRequester(principal, JOB_SCOPES[request.kind]);
    const job = await (await loadJobService()).start(requester, request);
    return jsonResponse(202, job, { Location: `/api/v1/secure/jobs/${job.jobId}`, 'Cache-Control': 'no-store' });
  },
  { body: {}, idempotency: loadIdempotentExecutor },
);
