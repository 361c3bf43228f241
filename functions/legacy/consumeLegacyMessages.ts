import { deliveriesOf } from '../../src/adapters/rabbitmq/rmqEvent.ts';
import { loadLegacyDeadLetters, legacyInbound, legacySourceOf } from '../../src/composition/legacy.ts';
import { applyLegacyBatch } from '../../src/domain/legacyBatch.ts';
import { eventHandler } from '../../src/observability/eventHandler.ts';
import { logger } from '../../src/observability/logger.ts';
import { MetricUnit, metrics } from '../../src/observability/metrics.ts';

/**
 * Amazon MQ (RabbitMQ) event source mapping → entity upserts and deletes (docs/legacy-bridge.md).
 * Invalid or refused messages go to the source's dead-letter queue with the reason; an
 * infrastructure failure fails the batch, which the mapping delivers again (applied messages are
 * then duplicates).
 */
export const handler = eventHandler(async (event: unknown) => {
  const deliveries = deliveriesOf(event);
  const deadLetters = {
    send: async (letters: Parameters<Awaited<ReturnType<typeof loadLegacyDeadLetters>>['send']>[0]) => (await loadLegacyDeadLetters()).send(letters),
  };
  const counts = await applyLegacyBatch({ inbound: legacyInbound, deadLetters, sourceOf: legacySourceOf }, deliveries);
  for (const [kind, n] of Object.entries(counts)) if (n > 0) metrics.addMetric(`LegacyMessages_${kind}`, MetricUnit.Count, n);
  logger.info('legacy batch applied', { messages: deliveries.length, ...counts });
  return counts;
});
