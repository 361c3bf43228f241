import { loadJobService } from '../../src/composition/jobService.ts';
import { ValidationError } from '../../src/domain/errors.ts';
import { startOperatorJob } from '../../src/domain/jobService.ts';
import { eventHandler } from '../../src/observability/eventHandler.ts';
import { logger } from '../../src/observability/index.ts';

/**
 * Starts a job for an operator: `sls invoke -f startJob --stage <stage> --data '{"kind":"import","tenantId":"acme","source":"s3://…"}'`,
 * or resumes one (`{"resume":"<job id>"}`). Answers the job record (QUEUED, with the task's ARN);
 * invalid input fails with a ValidationError whose message names every field (the operator sees only the message).
 */
export const handler = eventHandler(async (event: unknown) => {
  try {
    const job = await startOperatorJob(await loadJobService(), event);
    logger.info('Job started', { jobId: job.jobId, kind: job.kind, tenantId: job.tenantId, taskArn: job.taskArn });
    return job;
  } catch (error) {
    if (error instanceof ValidationError && error.issues.length > 0) {
      throw new ValidationError(`${error.message} ${error.issues.map((issue) => `${issue.path || '/'}: ${issue.message}`).join('; ')}`, error.issues);
    }
    throw error;
  }
});
