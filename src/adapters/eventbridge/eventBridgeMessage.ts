import type { SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { ENTITY_EVENT_SOURCE, entityEventSchema, type EntityEvent } from '../../domain/entityEvents.ts';

/** An EventBridge event as a rule delivers it to an SQS target (the message body). */
const eventBridgeEnvelope = z.object({
  source: z.literal(ENTITY_EVENT_SOURCE),
  'detail-type': z.string(),
  detail: entityEventSchema,
});

/** The entity event in an SQS message from the bus; throws (→ batch item failure → DLQ) when it is not one. */
export function entityEventFromSqsRecord(record: Pick<SQSRecord, 'body' | 'messageId'>): EntityEvent {
  const parsed = eventBridgeEnvelope.safeParse(JSON.parse(record.body));
  if (!parsed.success) throw new Error(`Message ${record.messageId} is not an entity event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  if (parsed.data['detail-type'] !== parsed.data.detail.type) throw new Error(`Message ${record.messageId}: detail-type ${parsed.data['detail-type']} does not match detail.type ${parsed.data.detail.type}`);
  return parsed.data.detail;
}
