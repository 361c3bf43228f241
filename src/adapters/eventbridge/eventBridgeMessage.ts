import type { SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { entityEventSchema } from '../../domain/entityEventSchema.ts';
import { ENTITY_EVENT_SOURCE, ENTITY_EVENT_TYPES, type EntityEvent } from '../../domain/entityEvents.ts';
import '../../domain/zodLocale.ts';

/**
 * What an SQS consumer receives from the bus: the EventBridge event as the rule's target delivered
 * it (the whole event, no input transformer), with the envelope in `detail`.
 */
const eventBridgeEventSchema = z.object({
  'source': z.literal(ENTITY_EVENT_SOURCE),
  'detail-type': z.enum(ENTITY_EVENT_TYPES),
  'detail': entityEventSchema,
});

export class MalformedEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedEventError';
  }
}

/** Parses one message body into its entity event, or throws MalformedEventError saying why (→ batch item failure → DLQ). */
export function parseEntityEventMessage(body: string): EntityEvent {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedEventError('message body is not JSON');
  }
  const result = eventBridgeEventSchema.safeParse(json);
  if (!result.success) {
    throw new MalformedEventError(`not an entity event: ${result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const event = result.data;
  if (event['detail-type'] !== event.detail.type) throw new MalformedEventError(`detail-type ${event['detail-type']} does not match detail.type ${event.detail.type}`);
  return event.detail;
}

/** The entity event in an SQS record from the bus. */
export function entityEventFromSqsRecord(record: Pick<SQSRecord, 'body' | 'messageId'>): EntityEvent {
  try {
    return parseEntityEventMessage(record.body);
  } catch (error) {
    throw error instanceof MalformedEventError ? new MalformedEventError(`Message ${record.messageId}: ${error.message}`) : error;
  }
}
