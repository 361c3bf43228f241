import type { EntityEvent } from './entityEvents.ts';

/**
 * The outbound half of the legacy bridge (docs/legacy-bridge.md): entity events from the bus
 * to the broker's topic exchange, routing key `<tenant>.entity.<created|updated|deleted>`, the
 * body the same envelope as the EventBridge event's `detail` (its `eventId` for deduplication).
 *
 * In order per entity: after an entity's version n, only n + 1 goes out; a later one waits (its
 * message fails and comes back after the queue's visibility timeout, and past the queue's
 * maxReceiveCount lands in its dead-letter queue: kept, never dropped). The first event the bridge
 * sees of an entity is version 1 (EntityCreated), or, for an entity older than the bridge, any
 * version once it has waited `ORDER_WAIT_RECEIVES` receives for its predecessors; a predecessor
 * that arrives later still (older than the first published) goes out late rather than never.
 * At least once: a version is recorded only after the broker confirmed it; a crash in between
 * publishes it again, with the same event id (subscribers deduplicate by it).
 */
export interface PublishedRange {
  /** The first version published. */
  readonly start: number;
  /** Every version from `start` to `last` was published. */
  readonly last: number;
}

export interface PublishedVersions {
  get(entityId: string): Promise<PublishedRange | undefined>;
  /** Stores `next` if the entity's range is still `previous` (undefined: none); false when another publisher moved it. */
  save(entityId: string, next: PublishedRange, previous: PublishedRange | undefined): Promise<boolean>;
}

/** Publishes one event; resolves once the broker confirmed it (the client retries with backoff, then rejects). */
export interface LegacyEventPublisher {
  publish(routingKey: string, event: EntityEvent): Promise<void>;
}

export interface OutboundItem {
  /** The queue message's id (a batch item failure names it). */
  readonly id: string;
  readonly event: EntityEvent;
  /** How often the queue delivered this message (1 at first). */
  readonly receiveCount: number;
}

export const ORDER_WAIT_RECEIVES = 3;

const ACTION = { EntityCreated: 'created', EntityUpdated: 'updated', EntityDeleted: 'deleted' } as const;

export function routingKeyOf(event: EntityEvent): string {
  return `${event.tenantId}.entity.${ACTION[event.type]}`;
}

/**
 * Publishes a batch, entity by entity in version order; returns the ids of the items to deliver
 * again (waiting for a predecessor, or failed). `failed` hears why an entity's items stopped
 * (the broker or the published-versions record failed); waiting for a predecessor is no failure.
 */
export async function publishInOrder(
  deps: { published: PublishedVersions; publisher: LegacyEventPublisher; failed: (error: unknown, item: OutboundItem, remaining: number) => void },
  items: readonly OutboundItem[],
): Promise<string[]> {
  const byEntity = new Map<string, OutboundItem[]>();
  for (const item of items) byEntity.set(item.event.entityId, [...(byEntity.get(item.event.entityId) ?? []), item]);
  const retry: string[] = [];
  await Promise.all(
    [...byEntity.entries()].map(async ([entityId, group]) => {
      const ordered = [...group].sort((a, b) => a.event.version - b.event.version);
      let index = 0;
      try {
        let range = await deps.published.get(entityId);
        for (; index < ordered.length; index++) {
          const item = ordered[index]!;
          const { version } = item.event;
          if (range && version >= range.start && version <= range.last) continue; // published before (a redelivery)
          const late = range !== undefined && version < range.start;
          const next = range === undefined ? (version === 1 || item.receiveCount >= ORDER_WAIT_RECEIVES ? { start: version, last: version } : undefined) : version === range.last + 1 ? { start: range.start, last: version } : late ? range : undefined;
          if (!next) break; // waits for its predecessor, with everything after it
          await deps.publisher.publish(routingKeyOf(item.event), item.event);
          if (next !== range) {
            if (!(await deps.published.save(entityId, next, range))) break;
            range = next;
          }
        }
      } catch (error) {
        // What is left of this entity comes back (what went out is skipped then).
        deps.failed(error, ordered[index]!, ordered.length - index);
      }
      retry.push(...ordered.slice(index).map((i) => i.id));
    }),
  );
  return retry;
}
