/**
 * One logger and one metrics instance per container, configured from the POWERTOOLS_* environment
 * that serverless.yml sets (service name, namespace, log level); tracing is behind `./tracing.ts`.
 * Each lives in its own module: a function that needs only the logger (the authorizer, the Cognito
 * trigger) imports `./logger.ts` alone.
 */
export { logger } from './logger.ts';
export { metrics } from './metrics.ts';
