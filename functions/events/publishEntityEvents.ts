import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { entityEventFromStreamRecord } from '../../src/adapters/dynamodb/streamRecords.ts';
import { entityEventPublisher } from '../../src/composition/events.ts';
import { eventHandler } from '../../src/observability/eventHandler.ts';
import { logger, metrics } from '../../src/observability/index.ts';

/**
 * DynamoDB Streams → EventBridge. Records whose events EventBridge did not accept are reported as
 * batch item failures (the mapping retries from the first of them, bisecting, then sends what
 * still fails to its on-failure destination): nothing is dropped.
 */
export const handler = eventHandler(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const mapped = event.Records.map((record) => ({ record, event: entityEventFromStreamRecord(record) }));
  const events = mapped.flatMap((m) => (m.event ? [m.event] : []));
  const { failed } = await entityEventPublisher.publish(events);
  const failedIds = new Set(failed.map((e) => e.eventId));
  const batchItemFailures = mapped
    .filter((m) => m.event && failedIds.has(m.event.eventId))
    .map((m) => ({ itemIdentifier: m.record.dynamodb?.SequenceNumber ?? m.record.eventID ?? '' }));
  metrics.addMetric('EntityEventsPublished', 'Count', events.length - failed.length);
  if (failed.length > 0) {
    metrics.addMetric('EntityEventsFailed', 'Count', failed.length);
    logger.error('Events not accepted by EventBridge; reporting their records as failed', { eventIds: [...failedIds] });
  }
  return { batchItemFailures };
});
