import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One logger, tracer and metrics instance per container, configured from the POWERTOOLS_*
 * environment that serverless.yml sets (service name, namespace, log level, tracing switch).
 */
export const logger = new Logger();
export const tracer = new Tracer();
export const metrics = new Metrics();
