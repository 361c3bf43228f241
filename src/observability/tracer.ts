import { Tracer } from '@aws-lambda-powertools/tracer';

/** The container's tracer (POWERTOOLS_TRACE_ENABLED); it loads the X-Ray SDK. */
export const tracer = new Tracer();
