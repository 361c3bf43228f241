import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { MIGRATIONS } from '../../migrations/index.ts';
import { migrate } from '../../src/adapters/postgres/migrator.ts';
import { pool } from '../../src/composition/readModel.ts';
import { logger } from '../../src/observability.ts';

/**
 * Applies the read model's pending SQL migrations (bundled into this function) for a deployed
 * stage: `sls invoke -f migrate --stage <stage>`. Idempotent; answers what it applied.
 */
export const handler = middy(async () => {
  const report = await migrate(pool, MIGRATIONS, (message) => logger.info(message));
  logger.info('Migrations done', { ...report });
  return report;
}).use(injectLambdaContext(logger, { resetKeys: true }));
