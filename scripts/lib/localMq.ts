import type { Connection, Consumer } from 'rabbitmq-client';
import { rmqEventOf, type RabbitMQEvent } from '../../src/adapters/rabbitmq/rmqEvent.ts';

/**
 * What an Amazon MQ (RabbitMQ) event source mapping does, against the local RabbitMQ: consumes a
 * queue, gathers up to `batchSize` messages or what arrived within `batchWindowMs`, invokes the
 * function with the `rmqMessagesByQueue` event, and acknowledges the batch when the invocation
 * succeeds; when it fails, every message of the batch goes back to the queue (the broker's
 * delivery limit then dead-letters a message that keeps failing). One invocation at a time per
 * queue, as the mapping runs for RabbitMQ.
 */
export interface LocalMqOptions {
  readonly connection: Connection;
  readonly queue: string;
  readonly batchSize: number;
  readonly batchWindowMs: number;
  readonly invoke: (event: RabbitMQEvent) => Promise<void>;
  readonly log?: (message: string) => void;
}

export function startLocalMq(options: LocalMqOptions): { stop(): Promise<void> } {
  let waiting: { body: Buffer; messageId?: string; redelivered: boolean; settle: (error?: unknown) => void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = waiting;
    waiting = [];
    if (batch.length === 0) return;
    running = running.then(async () => {
      try {
        await options.invoke(rmqEventOf(options.queue, batch));
        for (const m of batch) m.settle();
      } catch (error) {
        options.log?.(`${options.queue}: batch of ${batch.length} failed (${String(error)}); requeued`);
        for (const m of batch) m.settle(error);
      }
    });
  };

  const consumer: Consumer = options.connection.createConsumer(
    // Every message of a batch is held unacknowledged until the invocation ends.
    { queue: options.queue, queueOptions: { passive: true }, qos: { prefetchCount: options.batchSize }, concurrency: options.batchSize, requeue: true },
    (message) =>
      new Promise<void>((resolve, reject) => {
        const body = Buffer.isBuffer(message.body) ? message.body : Buffer.from(typeof message.body === 'string' ? message.body : JSON.stringify(message.body));
        waiting.push({ body, ...(message.messageId !== undefined && { messageId: message.messageId }), redelivered: message.redelivered, settle: (error) => (error === undefined ? resolve() : reject(error instanceof Error ? error : new Error("invocation failed", { cause: error }))) });
        if (waiting.length >= options.batchSize) flush();
        else timer ??= setTimeout(flush, options.batchWindowMs);
      }),
  );
  consumer.on('error', (error: unknown) => options.log?.(`${options.queue}: consumer error ${String(error)}`));
  return {
    async stop() {
      await consumer.close();
      flush();
      await running;
    },
  };
}
