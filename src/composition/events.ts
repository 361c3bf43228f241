import * as z from 'zod/mini';
import { createEventBridgeClient, EventBridgeEntityEventPublisher } from '../adapters/eventbridge/EventBridgeEntityEventPublisher.ts';
import { parseEnvironment } from '../config/config.ts';
import { logger } from '../observability/logger.ts';

const eventsConfigSchema = z.object({
  AWS_REGION: z.string().check(z.minLength(1)),
  /** `${service}-${stage}-events`. */
  EVENT_BUS_NAME: z.string().check(z.minLength(1)),
  /** The local stack's EventBridge stand-in; unset in AWS. */
  EVENTBRIDGE_ENDPOINT: z.optional(z.url({ protocol: /^https?$/ })),
});

function eventsConfig() {
  return parseEnvironment(eventsConfigSchema, process.env);
}

/** Composition root for the stream publisher: validated at import, one client per container. */
const settings = eventsConfig();
const client = createEventBridgeClient({ region: settings.AWS_REGION, endpoint: settings.EVENTBRIDGE_ENDPOINT });

export const entityEventPublisher = new EventBridgeEntityEventPublisher({
  client,
  busName: settings.EVENT_BUS_NAME,
  onCallFailure: (error) => logger.warn('PutEvents call failed after the SDK\'s retries; its events are reported failed', { error: error as Error }),
});
