import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';

export { MetricUnit };

/**
 * The container's metrics (Powertools Metrics: CloudWatch EMF on stdout), configured from
 * POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME (the `service` dimension);
 * POWERTOOLS_METRICS_DISABLED turns the output off (the local stage).
 */
export const metrics = new Metrics();

/**
 * Flushes what an invocation recorded, and the `ColdStart` metric on a container's first
 * invocation. Powertools' own `logMetrics` middleware does the same, but also logs "No application
 * metrics to publish" on every invocation that recorded none (most reads): a log line per request.
 */
export function metricsMiddleware(): MiddlewareObj<unknown, unknown, Error, Context> {
  const flush = () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return {
    before: (request) => {
      metrics.captureColdStartMetric(request.context.functionName);
    },
    after: flush,
    onError: flush,
  };
}
