import { Metrics } from '@aws-lambda-powertools/metrics';

/** The container's EMF metrics (POWERTOOLS_METRICS_NAMESPACE). */
export const metrics = new Metrics();
