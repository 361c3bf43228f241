import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { entityEventFromSqsRecord } from '../../src/adapters/eventbridge/eventBridgeMessage.ts';
import { auditRecorder } from '../../src/composition/entityTable.ts';
import { eventHandler } from '../../src/observability/eventHandler.ts';

const processor = new BatchProcessor(EventType.SQS);

/** Records one audit item per entity event; a message that fails is retried alone, then dead-lettered. */
async function recordOne(record: SQSRecord): Promise<void> {
  await auditRecorder.record(entityEventFromSqsRecord(record));
}

export const handler = eventHandler((event: SQSEvent, context) => processPartialResponse(event, recordOne, processor, { context }));
