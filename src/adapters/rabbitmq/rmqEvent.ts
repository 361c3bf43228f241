import * as z from 'zod/mini';
import type { InboundDelivery } from '../../domain/legacyBatch.ts';

/**
 * The event an Amazon MQ (RabbitMQ) event source mapping invokes a function with: messages by
 * `<queue>::<virtual host>`, each body base64-encoded in `data`.
 */
const rmqEventSchema = z.object({
  eventSource: z.literal('aws:rmq'),
  rmqMessagesByQueue: z.record(
    z.string(),
    z.array(
      z.object({
        data: z.string(),
        redelivered: z.optional(z.boolean()),
        basicProperties: z.optional(z.object({ messageId: z.optional(z.nullable(z.string())), headers: z.optional(z.nullable(z.record(z.string(), z.unknown()))) })),
      }),
    ),
  ),
});

export type RabbitMQEvent = z.input<typeof rmqEventSchema>;

/** The deliveries of an event, queue by queue in the order the mapping delivered them; a malformed event throws. */
export function deliveriesOf(event: unknown): InboundDelivery[] {
  const parsed = rmqEventSchema.parse(event);
  return Object.entries(parsed.rmqMessagesByQueue).flatMap(([key, messages]) => {
    const queue = key.slice(0, key.lastIndexOf('::') === -1 ? key.length : key.lastIndexOf('::'));
    return messages.map((m) => ({ queue, body: Buffer.from(m.data, 'base64'), ...(m.basicProperties?.messageId ? { messageId: m.basicProperties.messageId } : {}) }));
  });
}

/** The same event shape built from messages (the local stand-in of the mapping, tests). */
export function rmqEventOf(queue: string, messages: readonly { body: Buffer; messageId?: string; redelivered?: boolean }[], vhost = '/'): RabbitMQEvent {
  return {
    eventSource: 'aws:rmq',
    rmqMessagesByQueue: { [`${queue}::${vhost}`]: messages.map((m) => ({ data: m.body.toString('base64'), redelivered: m.redelivered ?? false, basicProperties: { messageId: m.messageId ?? null } })) },
  };
}
