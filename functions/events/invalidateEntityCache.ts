import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { entityEventFromSqsRecord } from '../../src/adapters/eventbridge/eventBridgeMessage.ts';
import { entityCacheInvalidator } from '../../src/composition/entities.ts';
import { namesTouchedBy } from '../../src/domain/entityEvents.ts';
import { eventHandler } from '../../src/middleware/eventHandler.ts';
import { metrics } from '../../src/observability.ts';

const processor = new BatchProcessor(EventType.SQS);

/**
 * Deletes the cache entries an entity event can affect (its views, and every view of its old and
 * new names), whichever path wrote it. Deleting is idempotent; a message whose delete fails (the
 * cache unreachable) is retried alone, then dead-lettered.
 */
async function invalidateOne(record: SQSRecord): Promise<void> {
  const event = entityEventFromSqsRecord(record);
  await entityCacheInvalidator.invalidate({ id: event.entityId, tenantId: event.tenantId, names: namesTouchedBy(event) });
  metrics.addMetric('CacheInvalidations', 'Count', 1);
}

export const handler = eventHandler((event: SQSEvent, context) => processPartialResponse(event, invalidateOne, processor, { context }));
