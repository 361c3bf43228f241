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
    // The exchange is the definitions' (brokerDefinitions.ts): the publisher's broker user may write
    // to it and configure nothing, so it declares nothing.
    this.publisher = connection.createPublisher({ confirm: true, maxAttempts: PUBLISH_ATTEMPTS });
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
