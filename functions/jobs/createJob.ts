import { adminRequester, JOB_SCOPES, jobRequestSchema } from '../../src/domain/jobRequest.ts';
import { loadIdempotentExecutor } from '../../src/composition/idempotentExecutor.ts';
import { loadJobService } from '../../src/composition/jobService.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { jsonResponse } from '../../src/http/responses.ts';
import { requireAuthorizerPrincipal } from '../../src/identity/requestPrincipal.ts';

/** POST /api/v1/secure/jobs (admin group, plus entities/read for an export or entities/write for an import or rebuild) → 202 with the job (QUEUED, its task started) and its Location. */
export const handler = httpHandler(
  {
    // 403 before the body is looked at: only admins learn what a job body may hold.
    principal: (event) => {
      const principal = requireAuthorizerPrincipal(event);
      adminRequester(principal);
      return principal;
    },
    body: jobRequestSchema,
    idempotency: loadIdempotentExecutor,
  },
  async ({ principal, body }) => {
    const job = await (await loadJobService()).start(adminRequester(principal, JOB_SCOPES[body.kind]), body);
    return jsonResponse(202, job, { Location: `/api/v1/secure/jobs/${job.jobId}`, 'Cache-Control': 'no-store' });
  },
);
