import { answerCustomResource, isCustomResourceEvent } from '../../src/adapters/cloudformation/customResource.ts';
import { migrateReadModel } from '../../src/composition/readModelMigrations.ts';
import { eventHandler } from '../../src/observability/eventHandler.ts';
import { logger } from '../../src/observability/index.ts';

async function applyMigrations() {
  const report = await migrateReadModel((message) => logger.info(message));
  logger.info('Migrations done', { ...report });
  return report;
}

/**
 * Applies the read model's pending SQL migrations (bundled into this function). Each deploy runs
 * it as the custom resource `ReadModelMigrations` (resources/migrations.yml), whose answer fails
 * the deploy when a migration fails; by hand: `sls invoke -f migrate --stage <stage>`.
 * Idempotent; answers what it applied.
 */
export const handler = eventHandler(async (event: unknown) => {
  if (!isCustomResourceEvent(event)) return applyMigrations();
  return answerCustomResource(event, {
    physicalResourceId: 'read-model-migrations',
    apply: async () => {
      const report = await applyMigrations();
      return { applied: report.applied.join(','), alreadyApplied: String(report.alreadyApplied.length) };
    },
  });
});
