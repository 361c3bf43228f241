import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { loadEntityProjector } from '../../src/composition/entityProjector.ts';
import { parseEntityEventMessage } from '../../src/adapters/eventbridge/eventBridgeMessage.ts';
import { oldestEventAgeSeconds, type EntityEvent } from '../../src/domain/entityEvents.ts';
import { eventHandler } from '../../src/observability/eventHandler.ts';
import { logger, metrics } from '../../src/observability/index.ts';
import { MetricUnit } from '../../src/observability/metrics.ts';

const processor = new BatchProcessor(EventType.SQS);

/** Parses every record and writes the valid ones in one set-based upsert: the outcome per message id. */
async function project(records: readonly SQSRecord[]): Promise<Map<string, Error>> {
  const failures = new Map<string, Error>();
  const parsed: { messageId: string; event: EntityEvent }[] = [];
  for (const record of records) {
    try {
      parsed.push({ messageId: record.messageId, event: parseEntityEventMessage(record.body) });
    } catch (error) {
      // Never dropped: reported as failed, retried, and dead-lettered after maxReceiveCount.
      logger.error('Unparseable message', { messageId: record.messageId, error: error as Error });
      failures.set(record.messageId, error as Error);
    }
  }
  try {
    const result = await (await loadEntityProjector()).project(parsed.map((p) => p.event));
    for (const [index, error] of result.failed) {
      logger.error('Event refused by the read model', { messageId: parsed[index]!.messageId, eventId: parsed[index]!.event.eventId, error });
      failures.set(parsed[index]!.messageId, error);
    }
    metrics.addMetric('ReadModelRowsWritten', MetricUnit.Count, result.written);
    metrics.addMetric('ReadModelEventsSkipped', MetricUnit.Count, result.skipped);
    const lag = oldestEventAgeSeconds(parsed.filter((_, index) => !result.failed.has(index)).map((p) => p.event), Date.now());
    // How far the read model is behind DynamoDB after this batch: what ReadModelLagAlarm watches.
    if (lag !== undefined) metrics.addMetric('ReadModelLagSeconds', MetricUnit.Seconds, lag);
  } catch (error) {
    // The batch write failed as a whole (e.g. PostgreSQL unreachable): every parsed record is retried.
    logger.error('Projection of the batch failed; every record will be retried', { error: error as Error, records: parsed.length });
    for (const { messageId } of parsed) failures.set(messageId, error as Error);
  }
  if (failures.size > 0) metrics.addMetric('ReadModelProjectionFailures', MetricUnit.Count, failures.size);
  return failures;
}

/**
 * SQS consumer (the read-model queue): each message is an EventBridge entity event. Partial batch
 * responses (`ReportBatchItemFailures`): only the failed messages return to the queue.
 */
export const handler = eventHandler(async (event: SQSEvent, context): Promise<SQSBatchResponse> => {
  const failures = await project(event.Records);
  return processPartialResponse(
    event,
    (record: SQSRecord) => {
      const failure = failures.get(record.messageId);
      return failure ? Promise.reject(failure) : Promise.resolve();
    },
    processor,
    { context, throwOnFullBatchFailure: false },
  );
});
