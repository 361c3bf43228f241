import type { Entity } from '../../domain/entity.ts';
import { CALL_POLICY } from '../aws/clientConfig.ts';
import { entityPk, nameClaimKey } from './entityItem.ts';

/** A TransactWriteItems holds at most 100 items; creating an entity takes two (the entity and its name claim). */
export const MAX_ENTITIES_PER_TRANSACTION = 50;

/**
 * DynamoDB refuses a transaction whose items add up to more than 4 MB. An item's size there can
 * reach about 1.5× its JSON (a long list of one-digit numbers), so a group's estimate stays under
 * 2.5 MB; with attributes of up to 64 KiB that still leaves room for about 35 entities.
 */
export const MAX_GROUP_BYTES = 2_500_000;

/**
 * The per-attempt timeout of a transaction of `items` items: the platform's per-attempt timeout
 * (CALL_POLICY, sized for the API's writes of a few items) for every 25 items, as many as a
 * BatchWriteItem holds; 8 s for a full transaction of 100. A bulk transaction is that much work
 * for DynamoDB, and an attempt cut short is sent again by the SDK (with the same token), never
 * split by us.
 */
export function transactionTimeoutMs(items: number): number {
  return CALL_POLICY.requestTimeoutMs * Math.max(1, Math.ceil(items / 25));
}

/** An entity's two items, estimated from its JSON: attributes, the name (stored twice), keys and the rest. */
export function estimatedBytes(entity: Entity): number {
  return Buffer.byteLength(JSON.stringify(entity.attributes)) + 3 * Buffer.byteLength(entity.name) + 600;
}

/**
 * How `entities` are created: rounds, sent one after another, each of groups (one transaction each,
 * as indexes into `entities`). Within a round no two entities share an item: a transaction may not
 * name an item twice, and of two entities with the same id or name the earlier one in the array
 * must be decided first, so the later one goes to a later round. Groups hold at most
 * MAX_ENTITIES_PER_TRANSACTION entities and MAX_GROUP_BYTES (one larger entity goes alone).
 */
export function creationPlan(entities: readonly Entity[], sizeOf: (entity: Entity) => number = estimatedBytes): number[][][] {
  const lastRound = new Map<string, number>();
  const rounds: number[][] = [];
  entities.forEach((entity, index) => {
    const keys = [entityPk(entity.id), nameClaimKey(entity.tenantId, entity.name).pk];
    const round = Math.max(...keys.map((key) => lastRound.get(key) ?? -1)) + 1;
    for (const key of keys) lastRound.set(key, round);
    (rounds[round] ??= []).push(index);
  });
  return rounds.map((round) => {
    const groups: number[][] = [];
    let group: number[] = [];
    let bytes = 0;
    for (const index of round) {
      const size = sizeOf(entities[index]!);
      if (group.length > 0 && (group.length >= MAX_ENTITIES_PER_TRANSACTION || bytes + size > MAX_GROUP_BYTES)) {
        groups.push(group);
        group = [];
        bytes = 0;
      }
      group.push(index);
      bytes += size;
    }
    if (group.length > 0) groups.push(group);
    return groups;
  });
}
