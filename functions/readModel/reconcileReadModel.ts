import { loadReadModelReconciler } from '../../src/composition/readModelReconciler.ts';
import { eventHandler } from '../../src/observability/eventHandler.ts';
import { logger, metrics } from '../../src/observability/index.ts';
import { MetricUnit } from '../../src/observability/metrics.ts';

/** Scheduled (hourly): reconciles the next tenants' read model with DynamoDB; EMF metrics ReadModelDrift / ReadModelRepaired. */
export const handler = eventHandler(async () => {
  const reports = await (await loadReadModelReconciler()).run();
  const drift = reports.reduce((n, r) => n + r.drift.length, 0);
  const repaired = reports.reduce((n, r) => n + r.repaired, 0);
  metrics.addMetric('ReadModelDrift', MetricUnit.Count, drift);
  metrics.addMetric('ReadModelRepaired', MetricUnit.Count, repaired);
  for (const report of reports.filter((r) => r.drift.length > 0 || !r.complete)) {
    logger.warn('Read model drift', { tenantId: report.tenantId, drift: report.drift.slice(0, 50), driftCount: report.drift.length, repaired: report.repaired, complete: report.complete });
  }
  logger.info('Reconciliation done', { tenants: reports.length, drift, repaired });
  return { tenants: reports.length, drift, repaired };
});
