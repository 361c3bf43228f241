import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { entityEventFromSqsRecord } from '../../src/adapters/eventbridge/eventBridgeMessage.ts';
import { entityCacheInvalidator } from '../../src/composition/entities.ts';
import { namesTouchedBy } from '../../src/domain/entityEvents.ts';
import { eventHandler } from '../../src/observability/eventHandler.ts';
import { logger, metrics } from '../../src/observability/index.ts';

const processor = new BatchProcessor(EventType.SQS);

/**
 * Deletes the cache entries an entity event can affect (its views, and every view of its old and
 * new names), whichever path wrote it. Deleting is idempotent; a message whose delete fails (the
 * cache unreachable) is retried alone, then dead-lettered.
 */
async function invalidateOne(record: SQSRecord): Promise<void> {
  const event = entityEventFromSqsRecord(record);
  try {
    await entityCacheInvalidator.invalidate({ id: event.entityId, tenantId: event.tenantId, names: namesTouchedBy(event) });
  } catch (error) {
    // Says why a message comes back (and, after the queue's last receive, why it was dead-lettered).
    logger.warn('Cache invalidation failed; the message will be received again', { messageId: record.messageId, eventId: event.eventId, receiveCount: record.attributes.ApproximateReceiveCount, error: error as Error });
    throw error;
  }
  metrics.addMetric('CacheInvalidations', 'Count', 1);
}

export const handler = eventHandler((event: SQSEvent, context) => processPartialResponse(event, invalidateOne, processor, { context }));
