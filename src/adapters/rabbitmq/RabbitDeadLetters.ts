import type { Connection, Publisher } from 'rabbitmq-client';
import type { DeadLetter, LegacyDeadLetters } from '../../domain/legacyBatch.ts';
import { brokerNames } from './brokerDefinitions.ts';

/**
 * Invalid or refused inbound messages → the source's dead-letter queue (through the
 * `<prefix>.dead-letter` exchange, routed by the inbound queue's name), body unchanged, the reason
 * in headers; each publish confirmed by the broker, retried by the client across a reconnect.
 */
export class RabbitDeadLetters implements LegacyDeadLetters {
  private readonly publisher: Publisher;
  private readonly exchange: string;

  constructor(connection: Connection, prefix: string) {
    this.exchange = brokerNames(prefix).deadLetter;
    this.publisher = connection.createPublisher({ confirm: true, maxAttempts: 5 });
  }

  async send(letters: readonly DeadLetter[]): Promise<void> {
    await Promise.all(
      letters.map((letter) =>
        this.publisher.send(
          {
            exchange: this.exchange,
            routingKey: letter.queue,
            durable: true,
            contentType: 'application/json',
            ...(letter.delivery.messageId !== undefined && { messageId: letter.delivery.messageId }),
            headers: {
              'x-rejection-reason': letter.reason,
              ...(letter.errors && letter.errors.length > 0 && { 'x-rejection-errors': JSON.stringify(letter.errors) }),
              'x-tenant': letter.source.tenantId,
              'x-source': letter.source.source,
              'x-rejected-at': new Date().toISOString(),
            },
          },
          letter.delivery.body,
        ),
      ),
    );
  }

  close(): Promise<void> {
    return this.publisher.close();
  }
}
