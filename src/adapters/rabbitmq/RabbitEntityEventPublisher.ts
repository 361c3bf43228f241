import type { Connection, Publisher } from 'rabbitmq-client';
import type { EntityEvent } from '../../domain/entityEvents.ts';
import type { LegacyEventPublisher } from '../../domain/legacyOutbound.ts';
import { brokerNames } from './brokerDefinitions.ts';

/** Publish attempts per event: the client reconnects between them with its jittered backoff (retryLow → retryHigh). */
export const PUBLISH_ATTEMPTS = 5;

/**
 * Entity events → the `<prefix>.events` topic exchange: persistent, confirmed by the broker,
 * `messageId` = the event id, `type` = the event type; the body is the envelope as JSON.
 */
export class RabbitEntityEventPublisher implements LegacyEventPublisher {
  private readonly publisher: Publisher;
  private readonly exchange: string;

  constructor(connection: Connection, prefix: string) {
    this.exchange = brokerNames(prefix).events;
    // The exchange is (re)declared on every (re)connection, as the definitions declare it: a broker
    // without the bridge's definitions (a fresh local one) still routes, and drops what nobody binds.
    this.publisher = connection.createPublisher({ confirm: true, maxAttempts: PUBLISH_ATTEMPTS, exchanges: [{ exchange: this.exchange, type: 'topic', durable: true }] });
  }

  publish(routingKey: string, event: EntityEvent): Promise<void> {
    return this.publisher.send(
      { exchange: this.exchange, routingKey, durable: true, messageId: event.eventId, type: event.type, contentType: 'application/json', headers: { 'x-tenant': event.tenantId, 'x-entity-id': event.entityId, 'x-version': event.version } },
      Buffer.from(JSON.stringify(event)),
    );
  }

  close(): Promise<void> {
    return this.publisher.close();
  }
}
