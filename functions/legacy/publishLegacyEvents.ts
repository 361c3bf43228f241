import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { entityEventFromSqsRecord } from '../../src/adapters/eventbridge/eventBridgeMessage.ts';
import { loadLegacyEventPublisher, publishedVersions } from '../../src/composition/legacy.ts';
import { publishInOrder, type OutboundItem } from '../../src/domain/legacyOutbound.ts';
import { eventHandler } from '../../src/observability/eventHandler.ts';
import { logger } from '../../src/observability/logger.ts';

/**
 * Bus → the broker's topic exchange for legacy subscribers (docs/legacy-bridge.md), in order per
 * entity, confirmed. A message that cannot go out yet (its predecessor has not) or failed (the
 * broker unreachable past the client's retries) is a batch item failure: the queue delivers it
 * again later and, past its maxReceiveCount, moves it to the dead-letter queue.
 */
export const handler = eventHandler(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const failures: string[] = [];
  const items: OutboundItem[] = [];
  for (const record of event.Records) {
    try {
      items.push({ id: record.messageId, event: entityEventFromSqsRecord(record), receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1) });
    } catch (error) {
      logger.error('not an entity event', { error, messageId: record.messageId });
      failures.push(record.messageId);
    }
  }
  const publisher = await loadLegacyEventPublisher();
  const failed = (error: unknown, item: OutboundItem, remaining: number) =>
    logger.warn('Publishing to the legacy broker failed; the entity’s remaining events will be delivered again', { error: error as Error, eventId: item.event.eventId, messageId: item.id, remaining });
  failures.push(...(await publishInOrder({ published: publishedVersions, publisher, failed }, items)));
  if (failures.length > 0) logger.info('legacy events to deliver again', { count: failures.length });
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
});
