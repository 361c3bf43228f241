import { MIGRATIONS } from '../../migrations/index.ts';
import { migrate } from '../../src/adapters/postgres/migrator.ts';
import { pool } from '../../src/composition/readModel.ts';
import { eventHandler } from '../../src/middleware/eventHandler.ts';
import { logger } from '../../src/observability.ts';

/**
 * Applies the read model's pending SQL migrations (bundled into this function) for a deployed
 * stage: `sls invoke -f migrate --stage <stage>`. Idempotent; answers what it applied.
 */
export const handler = eventHandler(async () => {
  const report = await migrate(await pool(), MIGRATIONS, (message) => logger.info(message));
  logger.info('Migrations done', { ...report });
  return report;
});
