import { describe, expect, it } from 'vitest';
import type { Entity } from '../../../src/domain/entity.ts';
import { EntityService } from '../../../src/domain/entityService.ts';
import { ConflictError, ForbiddenError, NotFoundError, PreconditionFailedError, UnauthenticatedError, ValidationError } from '../../../src/domain/errors.ts';
import { SCOPES, type Principal } from '../../../src/domain/principal.ts';
import { fixedClock, MemoryEntityRepository, sequentialIds } from '../../support/memoryRepository.ts';

const T0 = '2024-01-01T00:00:00.000Z';
const T1 = '2024-02-02T12:00:00.000Z';
const NEW_ID = '00000000-0000-4000-8000-000000000001';

const principal = (tenantId: string, scopes: string[] = [SCOPES.read, SCOPES.write]): Principal => ({
  subject: `user@${tenantId}`,
  tenantId,
  scopes: new Set(scopes),
  groups: new Set(['admin']),
});
const acme = principal('acme');
const globex = principal('globex');
const acmeReader = principal('acme', [SCOPES.read]);

const stored: Entity = {
  id: 'e1',
  tenantId: 'acme',
  name: 'Widget',
  attributes: { colour: 'red', size: { w: 1, h: 2 } },
  visibility: 'private',
  version: 1,
  createdAt: T0,
  updatedAt: T0,
};

function setup(repository = new MemoryEntityRepository([stored])) {
  const service = new EntityService({ repository, clock: fixedClock(T1), ids: sequentialIds(NEW_ID) });
  return { service, repository };
}

/** The first update (or delete) is beaten by another writer who bumps the stored version first. */
class RacingRepository extends MemoryEntityRepository {
  updateCalls = 0;
  deleteCalls = 0;
  private race(id: string): Promise<void> {
    const current = this.items.get(id);
    if (!current) return Promise.resolve();
    return super.update({ ...current, name: 'Renamed elsewhere', attributes: { ...current.attributes, other: true }, version: current.version + 1 }, current);
  }
  override async update(entity: Entity, previous: Entity): Promise<void> {
    if (++this.updateCalls === 1) await this.race(entity.id);
    return super.update(entity, previous);
  }
  override async delete(entity: Entity): Promise<void> {
    if (++this.deleteCalls === 1) await this.race(entity.id);
    return super.delete(entity);
  }
}

describe('EntityService.createMany', () => {
  it('creates each item in the writer\'s tenant at version 1 with the caller\'s ids, and says per item what was refused, in order', async () => {
    const { service, repository } = setup();
    const results = await service.createMany(acme, [
      { id: 'a', input: { name: 'First', attributes: { n: 1 }, visibility: 'public' } },
      { id: 'b', input: { name: ' widget ', attributes: {}, visibility: 'private' } },
      { id: 'c', input: { name: 'FIRST', attributes: {}, visibility: 'private' } },
      { id: 'e1', input: { name: 'Fresh', attributes: {}, visibility: 'private' } },
    ]);
    expect(results[0]).toEqual({ entity: { id: 'a', tenantId: 'acme', name: 'First', attributes: { n: 1 }, visibility: 'public', version: 1, createdAt: T1, updatedAt: T1 }, refused: undefined });
    expect(results.map((r) => r.refused?.name)).toEqual([undefined, 'NameTakenError', 'NameTakenError', 'ConflictError']);
    expect(results[2]!.refused).toMatchObject({ conflictingEntityId: 'a' });
    expect(results[1]!.refused).toMatchObject({ conflictingEntityId: 'e1' });
    expect(repository.writes).toEqual([{ op: 'create', id: 'a' }]);
  });

  it('needs the write scope', async () => {
    const { service, repository } = setup(new MemoryEntityRepository());
    await expect(service.createMany(acmeReader, [{ id: 'a', input: { name: 'x', attributes: {}, visibility: 'private' } }])).rejects.toThrow(ForbiddenError);
    expect(repository.writes).toEqual([]);
  });
});

describe('EntityService.create', () => {
  it('sets id, tenant, version 1 and timestamps from the injected clock and ids', async () => {
    const { service, repository } = setup(new MemoryEntityRepository());
    const created = await service.create(acme, { name: 'New', attributes: { a: 1 }, visibility: 'public' });
    expect(created).toEqual({ id: NEW_ID, tenantId: 'acme', name: 'New', attributes: { a: 1 }, visibility: 'public', version: 1, createdAt: T1, updatedAt: T1 });
    expect(await repository.get(NEW_ID)).toEqual(created);
  });

  it('needs the write scope and a principal', async () => {
    const { service, repository } = setup(new MemoryEntityRepository());
    await expect(service.create(acmeReader, { name: 'x', attributes: {}, visibility: 'private' })).rejects.toThrow(ForbiddenError);
    await expect(service.create(undefined, { name: 'x', attributes: {}, visibility: 'private' })).rejects.toThrow(UnauthenticatedError);
    expect(repository.writes).toEqual([]);
  });
});

describe('EntityService.get and list', () => {
  it('returns an entity of the caller tenant', async () => {
    expect(await setup().service.get({ kind: 'tenant', tenantId: 'acme' }, 'e1')).toEqual(stored);
  });

  it("treats another tenant's entity as not found, never forbidden", async () => {
    const { service } = setup(new MemoryEntityRepository([stored, { ...stored, id: 'e2', visibility: 'public' }]));
    await expect(service.get({ kind: 'tenant', tenantId: 'globex' }, 'e1')).rejects.toThrow(NotFoundError);
    await expect(service.get({ kind: 'tenant', tenantId: 'globex' }, 'e2')).rejects.toThrow(NotFoundError);
    await expect(service.get({ kind: 'public-and-tenant', tenantId: 'globex' }, 'e1')).rejects.toThrow(NotFoundError);
    await expect(service.get({ kind: 'public' }, 'e1')).rejects.toThrow(NotFoundError);
    expect((await service.get({ kind: 'public' }, 'e2')).id).toBe('e2');
    await expect(service.get({ kind: 'tenant', tenantId: 'acme' }, 'missing')).rejects.toThrow(NotFoundError);
  });

  it('lists within the read scope and passes name, limit and cursor through', async () => {
    const other = { ...stored, id: 'e3', tenantId: 'globex' };
    const { service } = setup(new MemoryEntityRepository([stored, { ...stored, id: 'e2', name: 'Gadget' }, other]));
    const first = await service.list({ kind: 'tenant', tenantId: 'acme' }, { limit: 1 });
    expect(first.items.map((e) => e.id)).toEqual(['e1']);
    const second = await service.list({ kind: 'tenant', tenantId: 'acme' }, { limit: 1, cursor: first.nextCursor ?? '' });
    expect(second).toEqual({ items: [expect.objectContaining({ id: 'e2' }) as unknown], nextCursor: null });
    expect((await service.list({ kind: 'tenant', tenantId: 'acme' }, { limit: 10, name: ' widget ' })).items.map((e) => e.id)).toEqual(['e1']);
  });
});

describe('EntityService.replace and patch', () => {
  it('replace bumps the version by exactly 1 and sets updatedAt, keeping id, tenant and createdAt', async () => {
    const { service, repository } = setup();
    const next = await service.replace(acme, 'e1', { name: 'Gizmo', attributes: { b: 2 }, visibility: 'public' }, undefined);
    expect(next).toEqual({ ...stored, name: 'Gizmo', attributes: { b: 2 }, visibility: 'public', version: 2, updatedAt: T1 });
    expect(await repository.get('e1')).toEqual(next);
    expect(repository.writes).toEqual([{ op: 'update', id: 'e1', expectedVersion: 1 }]);
  });

  it('patch merges attributes (RFC 7396), keeps other fields and bumps the version by 1', async () => {
    const { service } = setup(new MemoryEntityRepository([{ ...stored, version: 7 }]));
    const next = await service.patch(acme, 'e1', { attributes: { colour: null, size: { h: 3 }, tags: ['x'] } }, 7);
    expect(next).toEqual({ ...stored, attributes: { size: { w: 1, h: 3 }, tags: ['x'] }, version: 8, updatedAt: T1 });
  });

  it('a stale If-Match fails the precondition without writing', async () => {
    const { service, repository } = setup(new MemoryEntityRepository([{ ...stored, version: 3 }]));
    const error = await service.patch(acme, 'e1', { name: 'x' }, 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect((error as PreconditionFailedError).currentVersion).toBe(3);
    await expect(service.replace(acme, 'e1', { name: 'x', attributes: {}, visibility: 'private' }, 4)).rejects.toThrow(PreconditionFailedError);
    expect(repository.writes).toEqual([]);
  });

  it('a no-op patch returns the entity unchanged without a write', async () => {
    const { service, repository } = setup();
    expect(await service.patch(acme, 'e1', { name: 'Widget', visibility: 'private', attributes: { colour: 'red', gone: null } }, 1)).toEqual(stored);
    expect(await service.replace(acme, 'e1', { name: 'Widget', attributes: stored.attributes, visibility: 'private' }, undefined)).toEqual(stored);
    expect(repository.writes).toEqual([]);
  });

  it('re-validates the merged attributes: a patch that nests too deep is a ValidationError', async () => {
    const deep = { a: { b: { c: { d: { e: { f: { g: { h: {} } } } } } } } };
    const { service, repository } = setup(new MemoryEntityRepository([{ ...stored, attributes: { x: { y: {} } } }]));
    const error = await service.patch(acme, 'e1', { attributes: { x: { y: deep } } }, undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.path).toBe('/attributes/x/y/a/b/c/d/e/f/g/h');
    expect(repository.writes).toEqual([]);
  });

  it("cannot touch another tenant's entity (not found) or write without the write scope (forbidden)", async () => {
    const { service, repository } = setup();
    await expect(service.patch(globex, 'e1', { name: 'x' }, undefined)).rejects.toThrow(NotFoundError);
    await expect(service.replace(globex, 'e1', { name: 'x', attributes: {}, visibility: 'public' }, 1)).rejects.toThrow(NotFoundError);
    await expect(service.patch(acmeReader, 'e1', { name: 'x' }, undefined)).rejects.toThrow(ForbiddenError);
    await expect(service.replace(acmeReader, 'e1', { name: 'x', attributes: {}, visibility: 'public' }, 1)).rejects.toThrow(ForbiddenError);
    await expect(service.patch(undefined, 'e1', { name: 'x' }, undefined)).rejects.toThrow(UnauthenticatedError);
    expect(repository.writes).toEqual([]);
  });

  it('without If-Match, a concurrent write between read and write is retried on the fresh version', async () => {
    const repository = new RacingRepository([stored]);
    const { service } = setup(repository);
    const next = await service.patch(acme, 'e1', { attributes: { mine: 1 } }, undefined);
    expect(repository.updateCalls).toBe(2);
    expect(next.version).toBe(3);
    expect(next.name).toBe('Renamed elsewhere');
    expect(next.attributes).toEqual({ ...stored.attributes, other: true, mine: 1 });
    expect(await repository.get('e1')).toEqual(next);
  });

  it('with If-Match, a concurrent write is not retried', async () => {
    const repository = new RacingRepository([stored]);
    const { service } = setup(repository);
    await expect(service.patch(acme, 'e1', { attributes: { mine: 1 } }, 1)).rejects.toThrow(PreconditionFailedError);
    expect(repository.updateCalls).toBe(1);
    expect((await repository.get('e1'))?.attributes).not.toHaveProperty('mine');
  });

  it('gives up after a bounded number of attempts when every write loses', async () => {
    class AlwaysLosing extends MemoryEntityRepository {
      calls = 0;
      override update(): Promise<void> {
        this.calls++;
        return Promise.reject(new PreconditionFailedError('lost', 99));
      }
    }
    const repository = new AlwaysLosing([stored]);
    await expect(setup(repository).service.replace(acme, 'e1', { name: 'x', attributes: {}, visibility: 'public' }, undefined)).rejects.toThrow(PreconditionFailedError);
    expect(repository.calls).toBe(3);
  });
});

describe('EntityService.delete', () => {
  it('deletes conditionally on the current version', async () => {
    const { service, repository } = setup();
    await service.delete(acme, 'e1', 1);
    expect(await repository.get('e1')).toBeUndefined();
    expect(repository.writes).toEqual([{ op: 'delete', id: 'e1', expectedVersion: 1 }]);
  });

  it('refuses a stale If-Match, another tenant and a missing write scope', async () => {
    const { service, repository } = setup();
    await expect(service.delete(acme, 'e1', 2)).rejects.toThrow(PreconditionFailedError);
    await expect(service.delete(globex, 'e1', undefined)).rejects.toThrow(NotFoundError);
    await expect(service.delete(acmeReader, 'e1', undefined)).rejects.toThrow(ForbiddenError);
    expect(repository.writes).toEqual([]);
  });

  it('retries a concurrent write without If-Match, not with it', async () => {
    const unpinned = new RacingRepository([stored]);
    await setup(unpinned).service.delete(acme, 'e1', undefined);
    expect(unpinned.deleteCalls).toBe(2);
    expect(await unpinned.get('e1')).toBeUndefined();

    const pinned = new RacingRepository([stored]);
    await expect(setup(pinned).service.delete(acme, 'e1', 1)).rejects.toThrow(PreconditionFailedError);
    expect(pinned.deleteCalls).toBe(1);
    expect(await pinned.get('e1')).toBeDefined();
  });
});

describe('MemoryEntityRepository honours the EntityRepository contract', () => {
  it('conditional update and delete: PreconditionFailedError on a version mismatch, NotFoundError when gone', async () => {
    const repository = new MemoryEntityRepository([stored]);
    const error = await repository.update({ ...stored, version: 3 }, { ...stored, version: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect((error as PreconditionFailedError).currentVersion).toBe(1);
    await expect(repository.delete({ ...stored, version: 5 })).rejects.toThrow(PreconditionFailedError);
    await expect(repository.update({ ...stored, id: 'nope' }, { ...stored, id: 'nope' })).rejects.toThrow(NotFoundError);
    await expect(repository.delete({ ...stored, id: 'nope' })).rejects.toThrow(NotFoundError);
    await expect(repository.create(stored)).rejects.toThrow(ConflictError);
    await expect(repository.list({ scope: { kind: 'public' }, limit: 1, cursor: 'garbage' })).rejects.toThrow(ValidationError);
    expect(await repository.get('e1')).toEqual(stored);
  });

  it('never aliases stored state', async () => {
    const repository = new MemoryEntityRepository([stored]);
    const copy = await repository.get('e1');
    (copy?.attributes as Record<string, unknown>)['colour'] = 'blue';
    expect((await repository.get('e1'))?.attributes['colour']).toBe('red');
  });
});
