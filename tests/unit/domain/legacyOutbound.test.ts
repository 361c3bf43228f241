import { describe, expect, it } from 'vitest';
import type { Entity } from '../../../src/domain/entity.ts';
import { entityChanged, type EntityEvent } from '../../../src/domain/entityEvents.ts';
import { ORDER_WAIT_RECEIVES, publishInOrder, type OutboundItem, type PublishedRange, type PublishedVersions } from '../../../src/domain/legacyOutbound.ts';

const entity = (id: string, version: number): Entity => ({
  id, tenantId: 'acme', name: `E ${id}`, attributes: {}, visibility: 'private', version, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: `2026-01-01T00:00:0${version}.000Z`,
});
const item = (id: string, version: number, receiveCount = 1): OutboundItem => ({
  id: `${id}@${version}`, event: entityChanged(version === 1 ? 'EntityCreated' : 'EntityUpdated', entity(id, version), null), receiveCount,
});

function memoryVersions(): PublishedVersions & { ranges: Map<string, PublishedRange> } {
  const ranges = new Map<string, PublishedRange>();
  return {
    ranges,
    get: (id) => Promise.resolve(ranges.get(id)),
    save: (id, next, previous) => {
      if (ranges.get(id) !== previous) return Promise.resolve(false);
      ranges.set(id, next);
      return Promise.resolve(true);
    },
  };
}

describe('publishInOrder (the legacy bridge outbound)', () => {
  it('publishes each entity in version order and has a later version wait for its predecessor, without calling that a failure', async () => {
    const published: string[] = [];
    const failures: unknown[] = [];
    const versions = memoryVersions();
    const deps = { published: versions, publisher: { publish: (_key: string, e: EntityEvent) => Promise.resolve(void published.push(e.eventId)) }, failed: (error: unknown) => void failures.push(error) };

    const retry = await publishInOrder(deps, [item('b', 3), item('a', 2), item('a', 1)]);
    expect(published).toEqual(['a#1', 'a#2']);
    expect(retry).toEqual(['b@3']);
    expect(failures).toEqual([]);
    // Past ORDER_WAIT_RECEIVES, an entity older than the bridge starts at the version it has.
    expect(await publishInOrder(deps, [item('b', 3, ORDER_WAIT_RECEIVES)])).toEqual([]);
    expect(versions.ranges.get('b')).toEqual({ start: 3, last: 3 });
  });

  it('reports why an entity stopped when the broker refuses, and returns that entity’s remaining items; other entities go on', async () => {
    const refused = new Error("NOT_FOUND - no exchange 'legacy.events'");
    const heard: { error: unknown; item: string; remaining: number }[] = [];
    const deps = {
      published: memoryVersions(),
      publisher: { publish: (_key: string, e: EntityEvent) => (e.entityId === 'a' && e.version === 2 ? Promise.reject(refused) : Promise.resolve()) },
      failed: (error: unknown, failedItem: OutboundItem, remaining: number) => void heard.push({ error, item: failedItem.id, remaining }),
    };
    const retry = await publishInOrder(deps, [item('a', 1), item('a', 2), item('a', 3), item('c', 1)]);
    expect(retry).toEqual(['a@2', 'a@3']);
    expect(heard).toEqual([{ error: refused, item: 'a@2', remaining: 2 }]);
    expect(deps.published.ranges.get('a')).toEqual({ start: 1, last: 1 });
    expect(deps.published.ranges.get('c')).toEqual({ start: 1, last: 1 });
  });
});
