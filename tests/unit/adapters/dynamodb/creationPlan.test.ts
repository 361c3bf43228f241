import { describe, expect, it } from 'vitest';
import { creationPlan, estimatedBytes, MAX_GROUP_BYTES } from '../../../../src/adapters/dynamodb/creationPlan.ts';
import type { Entity } from '../../../../src/domain/entity.ts';

const entity = (i: number, overrides: Partial<Entity> = {}): Entity => ({
  id: `id-${i}`, tenantId: 't', name: `Name ${i}`, attributes: {}, visibility: 'private', version: 1, createdAt: 'c', updatedAt: 'u', ...overrides,
});
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('creationPlan: how createMany cuts entities into transactions', () => {
  it('puts up to 50 entities (100 items with their name claims) in a transaction', () => {
    const list = range(0, 120).map((i) => entity(i));
    expect(creationPlan(list)).toEqual([[range(0, 50), range(50, 100), range(100, 120)]]);
    expect(creationPlan([])).toEqual([]);
  });

  it('sends an entity whose name (trimmed, case-insensitive, NFC) or id an earlier one uses in a later round, so the earlier one is decided first', () => {
    const list = [entity(0, { name: 'Café' }), entity(1), entity(2, { name: ' CAFE\u0301 ' }), entity(3, { id: 'id-1', name: 'Other' }), entity(4, { name: 'café' }), entity(5, { name: 'Café', tenantId: 'another' })];
    expect(creationPlan(list)).toEqual([[[0, 1, 5]], [[2, 3]], [[4]]]);
  });

  it('keeps a transaction under DynamoDB’s 4 MB by the entities’ estimated size; an entity larger than the bound goes alone', () => {
    const big = { blob: 'x'.repeat(60_000) };
    const list = range(0, 100).map((i) => entity(i, { attributes: big }));
    const perGroup = Math.floor(MAX_GROUP_BYTES / estimatedBytes(list[0]!));
    expect(perGroup).toBeLessThan(50);
    const [round] = creationPlan(list);
    expect(round!.map((g) => g.length)).toEqual([perGroup, perGroup, 100 - 2 * perGroup]);
    expect(creationPlan([entity(0), entity(1)], () => MAX_GROUP_BYTES + 1)).toEqual([[[0], [1]]]);
  });
});
