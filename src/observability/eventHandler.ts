import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { recordedAsCaller } from './awsCallLog.ts';
import { logger } from './logger.ts';
import { metricsMiddleware } from './metrics.ts';
import { tracingMiddleware } from './tracing.ts';

/**
 * The Powertools stack for event-driven handlers (streams, queues, schedules): logger with the
 * Lambda context, tracer, EMF metrics with the cold-start metric. Errors propagate: the event
 * source's retry and dead-letter settings decide what happens next.
 */
export function eventHandler<TEvent, TResult>(handler: (event: TEvent, context: Context) => Promise<TResult>) {
  return recordedAsCaller(
    middy<TEvent, TResult>()
      .use(injectLambdaContext(logger, { resetKeys: true }))
      .use(tracingMiddleware())
      .use(metricsMiddleware())
      .handler(handler),
  );
}
