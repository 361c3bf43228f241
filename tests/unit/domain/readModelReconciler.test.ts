import { describe, expect, it } from 'vitest';
import type { Entity } from '../../../src/domain/entity.ts';
import { findDrift, type ProjectedEntity } from '../../../src/domain/readModelReconciler.ts';
import { entityAt } from '../../support/entityEvents.ts';

const row = (entity: Entity, overrides: Partial<ProjectedEntity> = {}): ProjectedEntity => ({ id: entity.id, version: entity.version, deleted: false, entity, ...overrides });

describe('findDrift', () => {
  it('finds missing, stale, different, ahead and gone rows, and nothing when all agree', () => {
    const same = entityAt('t', 2, { attributes: { a: 1, b: { c: 2 } } });
    const missing = entityAt('t', 1);
    const stale = entityAt('t', 3);
    const different = entityAt('t', 1, { name: 'Right' });
    const ahead = entityAt('t', 1);
    const gone = entityAt('t', 4);
    const { drift, toProject, goneFromSource } = findDrift(
      [same, missing, stale, different, ahead],
      [
        row(same, { entity: { ...same, attributes: { b: { c: 2 }, a: 1 } } }), // key order is no drift
        row(stale, { version: 2 }),
        row(different, { entity: { ...different, name: 'Wrong' } }),
        row(ahead, { version: 5 }),
        row(gone),
      ],
    );
    expect(drift).toEqual([
      { kind: 'missing', id: missing.id },
      { kind: 'stale', id: stale.id },
      { kind: 'different', id: different.id },
      { kind: 'ahead', id: ahead.id },
    ]);
    expect(toProject.map((e) => e.id)).toEqual([missing.id, stale.id, different.id]);
    expect(goneFromSource).toEqual([gone.id]);
  });
});
