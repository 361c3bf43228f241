import { setTimeout as sleep } from 'node:timers/promises';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { ENTITY_EVENT_SOURCE, type EntityEvent } from '../../domain/entityEvents.ts';
import { awsClientConfig, instrumented, type AwsClientOptions } from '../aws/clientConfig.ts';

/** PutEvents takes at most 10 entries per call… */
export const ENTRIES_PER_CALL = 10;
/** …and at most 256 KB of entries per call, counted as EventBridge counts them (entrySize). */
export const BYTES_PER_CALL = 256 * 1024;
/** Entry error codes worth sending again; any other (a malformed entry, a denied bus) never succeeds. */
const RETRYABLE_ENTRY_ERRORS = new Set(['ThrottlingException', 'InternalFailure', 'InternalException']);

export interface PublishOutcome {
  /** Events EventBridge did not accept: the caller must not treat them as sent. */
  readonly failed: readonly EntityEvent[];
}

interface Pending {
  readonly event: EntityEvent;
  readonly entry: PutEventsRequestEntry;
  readonly size: number;
}

/**
 * An entry's size as EventBridge counts it against the request limit: 14 bytes for the time, and
 * the UTF-8 bytes of the source, the detail type and the detail.
 */
export function entrySize(entry: PutEventsRequestEntry): number {
  return 14 + Buffer.byteLength(entry.Source ?? '') + Buffer.byteLength(entry.DetailType ?? '') + Buffer.byteLength(entry.Detail ?? '');
}

/** Consecutive chunks of at most ENTRIES_PER_CALL entries and BYTES_PER_CALL bytes, in order. */
export function chunksOf<T extends { readonly size: number }>(items: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (current.length > 0 && (current.length === ENTRIES_PER_CALL || bytes + item.size > BYTES_PER_CALL)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Puts entity events on the bus: `source` = entity-platform.entities, `detail-type` = the event
 * type, `detail` = the envelope; in calls bounded by count and by size. A call that fails is the
 * SDK's to retry (its retry strategy, clientConfig.ts); after that its events are reported failed.
 * Entries EventBridge rejects inside an accepted call (a partial `FailedEntryCount`, which the SDK
 * cannot retry) are sent again by themselves, with backoff, while their error is a transient one.
 * What still fails is returned, never dropped.
 */
export class EventBridgeEntityEventPublisher {
  private readonly client: Pick<EventBridgeClient, 'send'>;
  private readonly busName: string;
  private readonly entryAttempts: number;
  private readonly onCallFailure: (error: unknown) => void;

  constructor(options: { client: Pick<EventBridgeClient, 'send'>; busName: string; entryAttempts?: number; onCallFailure?: (error: unknown) => void }) {
    this.client = options.client;
    this.busName = options.busName;
    this.entryAttempts = options.entryAttempts ?? 3;
    this.onCallFailure = options.onCallFailure ?? (() => undefined);
  }

  async publish(events: readonly EntityEvent[]): Promise<PublishOutcome> {
    const failed: EntityEvent[] = [];
    const pending = events.map((event) => {
      const entry = this.entry(event);
      return { event, entry, size: entrySize(entry) };
    });
    for (const chunk of chunksOf(pending)) failed.push(...(await this.put(chunk)));
    return { failed };
  }

  /** Sends one chunk; resolves with the events that were not accepted. */
  private async put(chunk: readonly Pending[]): Promise<EntityEvent[]> {
    const failed: EntityEvent[] = [];
    let pending = chunk;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(Math.random() * 50 * 2 ** attempt);
      let answer;
      try {
        answer = await this.client.send(new PutEventsCommand({ Entries: pending.map((p) => p.entry) }));
      } catch (error) {
        this.onCallFailure(error);
        return [...failed, ...pending.map((p) => p.event)];
      }
      // Entries come back in request order; an accepted one has an EventId, a rejected one an ErrorCode.
      const retry: Pending[] = [];
      pending.forEach((p, index) => {
        const result = answer.Entries?.[index];
        if (result?.EventId !== undefined) return;
        if (attempt < this.entryAttempts && RETRYABLE_ENTRY_ERRORS.has(result?.ErrorCode ?? 'InternalFailure')) retry.push(p);
        else failed.push(p.event);
      });
      pending = retry;
    }
    return failed;
  }

  private entry(event: EntityEvent): PutEventsRequestEntry {
    return { EventBusName: this.busName, Source: ENTITY_EVENT_SOURCE, DetailType: event.type, Detail: JSON.stringify(event), Time: new Date(event.occurredAt) };
  }
}

/** The EventBridge client the publisher calls (PutEvents), traced; `endpoint` is the local stack's stand-in. */
export function createEventBridgeClient(options: AwsClientOptions): EventBridgeClient {
  return instrumented(new EventBridgeClient(awsClientConfig(options)));
}
