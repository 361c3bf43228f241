import { answerCustomResource, isCustomResourceEvent } from '../../src/adapters/cloudformation/customResource.ts';
import { applyBrokerDefinitions } from '../../src/composition/brokerDefinitions.ts';
import { eventHandler } from '../../src/observability/eventHandler.ts';
import { logger } from '../../src/observability/logger.ts';

/**
 * The `LegacyBrokerDefinitions` custom resource (resources/legacy.yml): each deploy applies the
 * legacy bridge's broker definitions (exchanges, queues, bindings, dead-lettering, users and their
 * permissions; src/adapters/rabbitmq/brokerDefinitions.ts) through the broker's management API,
 * idempotently. A Delete leaves the broker alone (the stack deletes the broker itself).
 */
export const handler = eventHandler(async (event: unknown) => {
  if (!isCustomResourceEvent(event)) throw new Error('applyBrokerDefinitions answers CloudFormation custom resource events only');
  const response = await answerCustomResource(event, {
    physicalResourceId: 'legacy-broker-definitions',
    apply: () => applyBrokerDefinitions(event.ResourceProperties),
  });
  logger.info('legacy broker definitions', { requestType: event.RequestType, status: response.Status, ...(response.Status === 'FAILED' && { reason: response.Reason }) });
  return response;
});
