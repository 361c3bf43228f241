import { createEventBridgeClient, EventBridgeEntityEventPublisher } from '../adapters/eventbridge/EventBridgeEntityEventPublisher.ts';
import { readEventsConfig } from '../config/eventsConfig.ts';
import { logger } from '../observability/logger.ts';

/** Composition root for the stream publisher: validated at import, one client per container. */
const settings = readEventsConfig();
const client = createEventBridgeClient({ region: settings.AWS_REGION, endpoint: settings.EVENTBRIDGE_ENDPOINT });

export const entityEventPublisher = new EventBridgeEntityEventPublisher({
  client,
  busName: settings.EVENT_BUS_NAME,
  onCallFailure: (error) => logger.warn('PutEvents call failed after the SDK\'s retries; its events are reported failed', { error: error as Error }),
});
