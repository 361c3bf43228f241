/**
 * One logger, tracer and metrics instance per container, configured from the POWERTOOLS_*
 * environment that serverless.yml sets (service name, namespace, log level, tracing switch).
 * Each lives in its own module: a function that needs only the logger (the authorizer, the
 * Cognito trigger) imports `./observability/logger.ts` and its bundle carries no tracer or metrics.
 * The tracer (`./observability/tracer.ts`, X-Ray over UDP) and the metrics writer
 * (`./observability/metrics.ts`, EMF on stdout) are our own; the logger is Powertools'.
 */
export { logger } from './observability/logger.ts';
export { tracer } from './observability/tracer.ts';
export { metrics } from './observability/metrics.ts';
