import * as z from 'zod/mini';
import { parseEnvironment } from './config.ts';

/** Where the stream publisher puts entity events (docs/events.md). */
const eventsConfigSchema = z.object({
  AWS_REGION: z.string().check(z.minLength(1)),
  /** `${service}-${stage}-events`. */
  EVENT_BUS_NAME: z.string().check(z.minLength(1)),
  /** The local stack's EventBridge stand-in; unset in AWS. */
  EVENTBRIDGE_ENDPOINT: z.optional(z.url({ protocol: /^https?$/ })),
});
export type EventsConfig = z.output<typeof eventsConfigSchema>;

/** The stream publisher's settings from the environment, validated. */
export function readEventsConfig(): EventsConfig {
  return parseEnvironment(eventsConfigSchema, process.env);
}
