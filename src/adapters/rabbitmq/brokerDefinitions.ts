import type { Connection } from 'rabbitmq-client';
import type { LegacySource } from '../../domain/legacyInbound.ts';

/**
 * The broker's definitions (exchanges, queues, bindings, dead-lettering), from one place: the
 * bridge's name prefix and its configured sources. The same definitions are applied locally
 * (`npm start`, the tests), at deploy (the applyBrokerDefinitions custom resource) and printed in
 * RabbitMQ's definitions-file format by `npm run legacy -- definitions` (importable through the
 * management UI). Applying is declaring: idempotent, and it never deletes anything.
 *
 * Per source (tenant + source system):
 *   exchange `<prefix>.inbound.<tenant>.<source>` (fanout; the only thing the source's broker user may write to)
 *     → quorum queue `<prefix>.inbound.<tenant>.<source>` (the event source mapping consumes it; the
 *       queue says whose messages these are), dead-lettering to `<prefix>.dead-letter` after
 *       `INBOUND_DELIVERY_LIMIT` deliveries with its own name as routing key
 *   queue `<prefix>.inbound.<tenant>.<source>.dead-letter` ← `<prefix>.dead-letter`: invalid messages
 *     (published there by the consumer with the reason) and poison ones (by the broker).
 * Outbound: topic exchange `<prefix>.events`, routing keys `<tenant>.entity.<created|updated|deleted>`;
 * subscribers bind queues of their own.
 */
export interface BrokerDefinitions {
  readonly exchanges: readonly { name: string; vhost: string; type: 'fanout' | 'direct' | 'topic'; durable: true; auto_delete: false; internal: false; arguments: Record<string, unknown> }[];
  readonly queues: readonly { name: string; vhost: string; durable: true; auto_delete: false; arguments: Record<string, unknown> }[];
  readonly bindings: readonly { source: string; vhost: string; destination: string; destination_type: 'queue'; routing_key: string; arguments: Record<string, unknown> }[];
}

/** Deliveries of one message before the broker dead-letters it (a message that fails every batch it is in). */
export const INBOUND_DELIVERY_LIMIT = 10;

export const brokerNames = (prefix: string) => ({
  events: `${prefix}.events`,
  deadLetter: `${prefix}.dead-letter`,
  inbound: (source: LegacySource) => `${prefix}.inbound.${source.tenantId}.${source.source}`,
  deadLetterQueue: (source: LegacySource) => `${prefix}.inbound.${source.tenantId}.${source.source}.dead-letter`,
});

export function brokerDefinitions(prefix: string, sources: readonly LegacySource[], vhost = '/'): BrokerDefinitions {
  const names = brokerNames(prefix);
  const exchange = (name: string, type: 'fanout' | 'direct' | 'topic') => ({ name, vhost, type, durable: true, auto_delete: false, internal: false, arguments: {} }) as const;
  const queue = (name: string, args: Record<string, unknown>) => ({ name, vhost, durable: true, auto_delete: false, arguments: { 'x-queue-type': 'quorum', ...args } }) as const;
  const bind = (source: string, destination: string, routingKey: string) => ({ source, vhost, destination, destination_type: 'queue', routing_key: routingKey, arguments: {} }) as const;
  return {
    exchanges: [exchange(names.events, 'topic'), exchange(names.deadLetter, 'direct'), ...sources.map((s) => exchange(names.inbound(s), 'fanout'))],
    queues: sources.flatMap((s) => [
      queue(names.inbound(s), { 'x-dead-letter-exchange': names.deadLetter, 'x-dead-letter-routing-key': names.inbound(s), 'x-delivery-limit': INBOUND_DELIVERY_LIMIT }),
      queue(names.deadLetterQueue(s), {}),
    ]),
    bindings: sources.flatMap((s) => [bind(names.inbound(s), names.inbound(s), ''), bind(names.deadLetter, names.deadLetterQueue(s), names.inbound(s))]),
  };
}

/** Declares every exchange, queue and binding (an existing one with other arguments fails: the broker's PRECONDITION_FAILED). */
export async function applyBrokerDefinitions(connection: Connection, definitions: BrokerDefinitions): Promise<void> {
  for (const e of definitions.exchanges) await connection.exchangeDeclare({ exchange: e.name, type: e.type, durable: e.durable, autoDelete: e.auto_delete, internal: e.internal, arguments: e.arguments });
  for (const q of definitions.queues) await connection.queueDeclare({ queue: q.name, durable: q.durable, autoDelete: q.auto_delete, arguments: q.arguments });
  for (const b of definitions.bindings) await connection.queueBind({ exchange: b.source, queue: b.destination, routingKey: b.routing_key, arguments: b.arguments });
}

/** Parses the configured sources: `tenant:source` pairs separated by commas (ids of letters, digits, `_` and `-`). */
export function parseLegacySources(text: string): LegacySource[] {
  return text
    .split(',')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '')
    .map((pair) => {
      const match = /^([A-Za-z0-9_-]{1,64}):([A-Za-z0-9_-]{1,64})$/.exec(pair);
      if (!match) throw new Error(`"${pair}" is not a tenant:source pair (letters, digits, _ and - only)`);
      return { tenantId: match[1]!, source: match[2]! };
    });
}
