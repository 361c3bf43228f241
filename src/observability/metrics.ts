import { Metrics } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';

/** The container's EMF metrics (POWERTOOLS_METRICS_NAMESPACE). */
export const metrics = new Metrics();

/**
 * The middy middleware that emits each invocation's metrics: the cold-start metric on the
 * container's first invocation, then one EMF line with what the invocation added, after it
 * returns or throws. Unlike Powertools' `logMetrics`, an invocation that added no metric (a
 * health check, a read, a 4xx answer) writes nothing: `logMetrics` would print "No application
 * metrics to publish" to stderr each time, a log line per request in CloudWatch and a
 * synchronous write on the request path. Dimensions and metadata added during the invocation
 * are cleared either way.
 */
export function emitMetrics(target: Metrics = metrics): MiddlewareObj<unknown, unknown, Error, Context> {
  const flush = () => {
    if (target.hasStoredMetrics()) {
      target.publishStoredMetrics();
    } else {
      target.clearDimensions();
      target.clearMetadata();
    }
  };
  return {
    before: (request) => {
      target.captureColdStartMetric(request.context.functionName);
    },
    after: flush,
    onError: flush,
  };
}
