import { Logger } from '@aws-lambda-powertools/logger';

/** The container's logger (POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL). Import it from here, not from the barrel, where the tracer is unwanted (the authorizer). */
export const logger = new Logger();
