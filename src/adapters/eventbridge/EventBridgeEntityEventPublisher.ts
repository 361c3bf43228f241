import { setTimeout as sleep } from 'node:timers/promises';
import type { PutEventsResponse } from '@aws-sdk/client-eventbridge';
import { AWS_SERVICES, PLATFORM_RETRY_POLICY, platformClient, type AwsJsonClient, type PlatformClientOptions } from '../aws/awsJsonClient.ts';
import { ENTITY_EVENT_SOURCE, type EntityEvent } from '../../domain/entityEvents.ts';

export interface PutEventsWireEntry {
  readonly EventBusName: string;
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly Time: number;
}

/** PutEvents takes at most 10 entries per call. */
const ENTRIES_PER_CALL = 10;

export interface PublishOutcome {
  /** Events EventBridge did not accept after every retry: the caller must not treat them as sent. */
  readonly failed: readonly EntityEvent[];
}

/**
 * Puts entity events on the bus: `source` = entity-platform.entities, `detail-type` = the event
 * type, `detail` = the envelope. Entries EventBridge rejects (a partial `FailedEntryCount`, or a
 * whole call failing) are retried with jittered backoff; what still fails is returned, never dropped.
 */
export class EventBridgeEntityEventPublisher {
  private readonly client: Pick<AwsJsonClient, 'call'>;
  private readonly busName: string;
  private readonly attempts: number;
  private readonly onCallFailure: (error: unknown) => void;

  constructor(options: { client: Pick<AwsJsonClient, 'call'>; busName: string; attempts?: number; onCallFailure?: (error: unknown) => void }) {
    this.client = options.client;
    this.busName = options.busName;
    this.attempts = options.attempts ?? 4;
    this.onCallFailure = options.onCallFailure ?? (() => undefined);
  }

  async publish(events: readonly EntityEvent[]): Promise<PublishOutcome> {
    const failed: EntityEvent[] = [];
    for (let start = 0; start < events.length; start += ENTRIES_PER_CALL) {
      failed.push(...(await this.putWithRetries(events.slice(start, start + ENTRIES_PER_CALL))));
    }
    return { failed };
  }

  private async putWithRetries(chunk: readonly EntityEvent[]): Promise<EntityEvent[]> {
    let pending = [...chunk];
    for (let attempt = 1; pending.length > 0 && attempt <= this.attempts; attempt++) {
      if (attempt > 1) await sleep(Math.random() * 50 * 2 ** attempt);
      try {
        const result = await this.client.call<PutEventsResponse>('PutEvents', { Entries: pending.map((event) => this.entry(event)) });
        if (!result.FailedEntryCount) return [];
        // Entries come back in request order; a failed one carries an ErrorCode.
        pending = pending.filter((_, index) => result.Entries?.[index]?.ErrorCode !== undefined || result.Entries?.[index]?.EventId === undefined);
      } catch (error) {
        // The whole call failed (throttled, unreachable): retry it; after the last attempt its events are reported failed.
        this.onCallFailure(error);
      }
    }
    return pending;
  }

  /** One entry as it goes on the wire (the JSON protocol sends a timestamp as epoch seconds). */
  private entry(event: EntityEvent): PutEventsWireEntry {
    return { EventBusName: this.busName, Source: ENTITY_EVENT_SOURCE, DetailType: event.type, Detail: JSON.stringify(event), Time: Date.parse(event.occurredAt) / 1000 };
  }
}

/** The EventBridge API client the publisher calls (PutEvents); `endpoint` is the local stack's stand-in (placeholder credentials). */
export function createEventBridgeClient(options: PlatformClientOptions): AwsJsonClient {
  return platformClient(AWS_SERVICES.eventBridge, options, PLATFORM_RETRY_POLICY);
}
