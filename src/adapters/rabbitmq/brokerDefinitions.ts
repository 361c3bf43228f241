import type { Connection } from 'rabbitmq-client';
import type { LegacySource } from '../../domain/legacyInbound.ts';

/**
 * The broker's definitions (exchanges, queues, bindings, dead-lettering, users and their
 * permissions), from one place: the bridge's name prefix and its configured sources. The same
 * document is applied at deploy (the `LegacyBrokerDefinitions` custom resource, over the broker's
 * management HTTP API: ./managementApi.ts), locally (`npm start`, `npm run legacy -- apply`, the
 * tests) and printed in RabbitMQ's definitions-file format by `npm run legacy -- definitions`.
 * Applying is declaring: idempotent, and it never deletes anything. Passwords are not part of it:
 * each user's comes from its own secret when the definitions are applied.
 *
 * Per source (tenant + source system):
 *   exchange `<prefix>.inbound.<tenant>.<source>` (fanout; the only thing the source's broker user may write to)
 *     → quorum queue `<prefix>.inbound.<tenant>.<source>` (its own event source mapping consumes it; the
 *       queue says whose messages these are), dead-lettering to `<prefix>.dead-letter` after
 *       `INBOUND_DELIVERY_LIMIT` deliveries with its own name as routing key
 *   queue `<prefix>.inbound.<tenant>.<source>.dead-letter` ← `<prefix>.dead-letter`: invalid messages
 *     (published there by the consumer with the reason) and poison ones (by the broker).
 *   user `<prefix>.source.<tenant>.<source>`: writes to its inbound exchange, nothing else.
 * Outbound: topic exchange `<prefix>.events`, routing keys `<tenant>.entity.<created|updated|deleted>`;
 * subscribers bind queues of their own.
 * The bridge's own users: `<prefix>.consumer` (the event source mappings: reads the inbound queues),
 * `<prefix>.dead-letters` (the consumer function: writes to `<prefix>.dead-letter`) and
 * `<prefix>.publisher` (the outbound publisher: writes to `<prefix>.events`). None may configure
 * (declare or delete) anything; the definitions are applied with the broker's administrator.
 */
export interface BrokerDefinitions {
  readonly exchanges: readonly { name: string; vhost: string; type: 'fanout' | 'direct' | 'topic'; durable: true; auto_delete: false; internal: false; arguments: Record<string, unknown> }[];
  readonly queues: readonly { name: string; vhost: string; durable: true; auto_delete: false; arguments: Record<string, unknown> }[];
  readonly bindings: readonly { source: string; vhost: string; destination: string; destination_type: 'queue'; routing_key: string; arguments: Record<string, unknown> }[];
  /** Without passwords (RabbitMQ's definitions take `password` or `password_hash`; applying adds the password). */
  readonly users: readonly { name: string; tags: '' }[];
  /** Regular expressions over resource names (RabbitMQ's access control: configure, write, read). */
  readonly permissions: readonly BrokerPermission[];
}

export interface BrokerPermission {
  readonly user: string;
  readonly vhost: string;
  readonly configure: string;
  readonly write: string;
  readonly read: string;
}

/** Deliveries of one message before the broker dead-letters it (a message that fails every batch it is in). */
export const INBOUND_DELIVERY_LIMIT = 10;

export const brokerNames = (prefix: string) => ({
  events: `${prefix}.events`,
  deadLetter: `${prefix}.dead-letter`,
  inbound: (source: LegacySource) => `${prefix}.inbound.${source.tenantId}.${source.source}`,
  deadLetterQueue: (source: LegacySource) => `${prefix}.inbound.${source.tenantId}.${source.source}.dead-letter`,
  /** The broker user a source system connects as (its password in its own secret). */
  sourceUser: (source: LegacySource) => `${prefix}.source.${source.tenantId}.${source.source}`,
  /** The event source mappings' user. */
  consumerUser: `${prefix}.consumer`,
  /** The consumer function's user (dead letters with the reason). */
  deadLetterUser: `${prefix}.dead-letters`,
  /** The outbound publisher's user. */
  publisherUser: `${prefix}.publisher`,
});

/** A permission pattern matching exactly these names (none: `^$`, which matches no resource). */
export function exactly(names: readonly string[]): string {
  if (names.length === 0) return '^$';
  const escaped = names.map((n) => n.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'));
  return escaped.length === 1 ? `^${escaped[0]}$` : `^(${escaped.join('|')})$`;
}

export function brokerDefinitions(prefix: string, sources: readonly LegacySource[], vhost = '/'): BrokerDefinitions {
  const names = brokerNames(prefix);
  const exchange = (name: string, type: 'fanout' | 'direct' | 'topic') => ({ name, vhost, type, durable: true, auto_delete: false, internal: false, arguments: {} }) as const;
  const queue = (name: string, args: Record<string, unknown>) => ({ name, vhost, durable: true, auto_delete: false, arguments: { 'x-queue-type': 'quorum', ...args } }) as const;
  const bind = (source: string, destination: string, routingKey: string) => ({ source, vhost, destination, destination_type: 'queue', routing_key: routingKey, arguments: {} }) as const;
  const permit = (user: string, access: { write?: readonly string[]; read?: readonly string[] }): BrokerPermission => ({ user, vhost, configure: exactly([]), write: exactly(access.write ?? []), read: exactly(access.read ?? []) });
  const bridgeUsers = [names.consumerUser, names.deadLetterUser, names.publisherUser];
  return {
    exchanges: [exchange(names.events, 'topic'), exchange(names.deadLetter, 'direct'), ...sources.map((s) => exchange(names.inbound(s), 'fanout'))],
    queues: sources.flatMap((s) => [
      queue(names.inbound(s), { 'x-dead-letter-exchange': names.deadLetter, 'x-dead-letter-routing-key': names.inbound(s), 'x-delivery-limit': INBOUND_DELIVERY_LIMIT }),
      queue(names.deadLetterQueue(s), {}),
    ]),
    bindings: sources.flatMap((s) => [bind(names.inbound(s), names.inbound(s), ''), bind(names.deadLetter, names.deadLetterQueue(s), names.inbound(s))]),
    users: [...bridgeUsers, ...sources.map(names.sourceUser)].map((name) => ({ name, tags: '' }) as const),
    permissions: [
      permit(names.consumerUser, { read: sources.map(names.inbound) }),
      permit(names.deadLetterUser, { write: [names.deadLetter] }),
      permit(names.publisherUser, { write: [names.events] }),
      ...sources.map((s) => permit(names.sourceUser(s), { write: [names.inbound(s)] })),
    ],
  };
}

/**
 * The definitions in RabbitMQ's definitions-file format (`rabbitmqctl import_definitions`, the
 * management UI's import): with `passwords`, each user carries its password (RabbitMQ takes
 * `password` or `password_hash`); without, the users are listed for reading only.
 */
export function definitionsDocument(definitions: BrokerDefinitions, passwords?: Readonly<Record<string, string>>) {
  const vhosts = [...new Set([...definitions.queues, ...definitions.exchanges, ...definitions.permissions].map((d) => d.vhost))].map((name) => ({ name }));
  return {
    vhosts,
    users: definitions.users.map((u) => (passwords ? { ...u, password: passwords[u.name] ?? '' } : u)),
    permissions: definitions.permissions,
    exchanges: definitions.exchanges,
    queues: definitions.queues,
    bindings: definitions.bindings,
  };
}

/**
 * Declares every exchange, queue and binding over AMQP (an existing one with other arguments fails:
 * the broker's PRECONDITION_FAILED). Users and permissions cannot be declared over AMQP: the
 * management API (./managementApi.ts) or the broker's own CLI applies those.
 */
export async function applyBrokerDefinitions(connection: Connection, definitions: BrokerDefinitions): Promise<void> {
  for (const e of definitions.exchanges) await connection.exchangeDeclare({ exchange: e.name, type: e.type, durable: e.durable, autoDelete: e.auto_delete, internal: e.internal, arguments: e.arguments });
  for (const q of definitions.queues) await connection.queueDeclare({ queue: q.name, durable: q.durable, autoDelete: q.auto_delete, arguments: q.arguments });
  for (const b of definitions.bindings) await connection.queueBind({ exchange: b.source, queue: b.destination, routingKey: b.routing_key, arguments: b.arguments });
}
