import { describe, expect, it, vi } from 'vitest';
import { legacyEntityId } from '../../../src/adapters/dynamodb/DynamoExternalIdMappings.ts';
import { LegacyInbound, type ExternalIdMapping, type ExternalIdMappings, type LegacySource } from '../../../src/domain/legacyInbound.ts';
import { parseLegacyMessage, type LegacyMessage } from '../../../src/domain/legacyMessages.ts';
import { MemoryEntityRepository } from '../../support/memoryRepository.ts';

class MemoryMappings implements ExternalIdMappings {
  readonly items = new Map<string, ExternalIdMapping>();
  failNextPut = false;
  entityIdFor = legacyEntityId;
  get(source: LegacySource, externalId: string) {
    return Promise.resolve(this.items.get(JSON.stringify([source.tenantId, source.source, externalId])));
  }
  put(next: ExternalIdMapping, expectedRevision: number) {
    if (this.failNextPut) {
      this.failNextPut = false;
      return Promise.reject(new Error('crash before the mapping was written'));
    }
    const key = JSON.stringify([next.tenantId, next.source, next.externalId]);
    if ((this.items.get(key)?.revision ?? 0) !== expectedRevision) return Promise.resolve(false);
    this.items.set(key, next);
    return Promise.resolve(true);
  }
}

const acme: LegacySource = { tenantId: 'acme', source: 'erp' };
const message = (text: string): LegacyMessage => {
  const parsed = parseLegacyMessage(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.message;
};

function bridge() {
  const repository = new MemoryEntityRepository();
  const mappings = new MemoryMappings();
  return { repository, mappings, inbound: new LegacyInbound({ repository, mappings, clock: { now: () => new Date('2026-01-01T00:00:00Z') } }) };
}

describe('legacy inbound messages (issue 21)', () => {
  it('parses upserts (op defaults to upsert) and deletes, and says why a message is invalid', () => {
    expect(parseLegacyMessage('{"externalId":"A-1","version":3,"name":" Pump ","attributes":{"kw":5}}')).toEqual({
      ok: true,
      message: { op: 'upsert', externalId: 'A-1', version: 3, name: 'Pump', attributes: { kw: 5 }, visibility: 'private' },
    });
    expect(parseLegacyMessage('{"op":"delete","externalId":"A-1","version":4}')).toEqual({ ok: true, message: { op: 'delete', externalId: 'A-1', version: 4 } });
    expect(parseLegacyMessage('not json')).toMatchObject({ ok: false, reason: 'the message is not JSON' });
    expect(parseLegacyMessage('[1]')).toMatchObject({ ok: false, reason: 'the message must be a JSON object' });
    expect(parseLegacyMessage('{"op":"merge","externalId":"A","version":1}')).toMatchObject({ ok: false, errors: [{ path: '/op' }] });
    const missing = parseLegacyMessage('{"externalId":"A","version":1.5,"name":"","tenantId":"other"}');
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.errors.map((e) => e.path).sort()).toEqual(['/', '/name', '/version'].sort());
    expect(parseLegacyMessage('{"externalId":"A","version":1,"name":"n","attributes":{"big":12345678901234567890}}')).toMatchObject({ ok: false });
  });

  it('creates, updates, ignores duplicates and older versions, deletes, and re-creates as a new entity', async () => {
    const { inbound, repository, mappings } = bridge();
    const created = await inbound.apply(acme, message('{"externalId":"A-1","version":2,"name":"Pump","attributes":{"kw":5}}'));
    expect(created).toEqual({ kind: 'created', entityId: legacyEntityId(acme, 'A-1', 0) });
    expect(await inbound.apply(acme, message('{"externalId":"A-1","version":2,"name":"Pump","attributes":{"kw":5}}'))).toMatchObject({ kind: 'duplicate' });
    expect(await inbound.apply(acme, message('{"externalId":"A-1","version":1,"name":"Old pump"}'))).toEqual({ kind: 'stale', entityId: created.kind === 'created' ? created.entityId : '', appliedVersion: 2 });
    expect(await inbound.apply(acme, message('{"externalId":"A-1","version":5,"name":"Pump","attributes":{"kw":7},"visibility":"public"}'))).toMatchObject({ kind: 'updated' });
    expect(await inbound.apply(acme, message('{"externalId":"A-1","version":6,"name":"Pump","attributes":{"kw":7},"visibility":"public"}'))).toMatchObject({ kind: 'unchanged' });
    const first = (await repository.get(legacyEntityId(acme, 'A-1', 0)))!;
    expect(first).toMatchObject({ tenantId: 'acme', name: 'Pump', attributes: { kw: 7 }, visibility: 'public', version: 2 });
    expect(await inbound.apply(acme, message('{"op":"delete","externalId":"A-1","version":7}'))).toMatchObject({ kind: 'deleted', entityId: first.id });
    expect(await repository.get(first.id)).toBeUndefined();
    expect(await inbound.apply(acme, message('{"externalId":"A-1","version":6,"name":"Pump"}'))).toMatchObject({ kind: 'stale' });
    const again = await inbound.apply(acme, message('{"externalId":"A-1","version":8,"name":"Pump"}'));
    expect(again).toEqual({ kind: 'created', entityId: legacyEntityId(acme, 'A-1', 1) });
    expect([...mappings.items.values()]).toEqual([{ tenantId: 'acme', source: 'erp', externalId: 'A-1', entityId: legacyEntityId(acme, 'A-1', 1), generation: 1, appliedVersion: 8, revision: 5 }]);
  });

  it('the same external id of another source or tenant is another entity', async () => {
    const { inbound, repository } = bridge();
    await inbound.apply(acme, message('{"externalId":"X","version":1,"name":"One"}'));
    await inbound.apply({ tenantId: 'acme', source: 'crm' }, message('{"externalId":"X","version":1,"name":"Two"}'));
    await inbound.apply({ tenantId: 'globex', source: 'erp' }, message('{"externalId":"X","version":1,"name":"One"}'));
    expect([...repository.items.values()].map((e) => [e.tenantId, e.name]).sort()).toEqual([['acme', 'One'], ['acme', 'Two'], ['globex', 'One']]);
  });

  it('a crash between the entity write and the mapping write: the redelivery changes nothing more', async () => {
    const { inbound, repository, mappings } = bridge();
    mappings.failNextPut = true;
    await expect(inbound.apply(acme, message('{"externalId":"B","version":1,"name":"Valve"}'))).rejects.toThrow('crash');
    expect(await inbound.apply(acme, message('{"externalId":"B","version":1,"name":"Valve"}'))).toMatchObject({ kind: 'unchanged' });
    mappings.failNextPut = true;
    await expect(inbound.apply(acme, message('{"externalId":"B","version":2,"name":"Valve","attributes":{"dn":50}}'))).rejects.toThrow('crash');
    expect(await inbound.apply(acme, message('{"externalId":"B","version":3,"name":"Valve","attributes":{"dn":65}}'))).toMatchObject({ kind: 'updated' });
    expect([...repository.items.values()]).toEqual([expect.objectContaining({ name: 'Valve', attributes: { dn: 65 }, version: 3 })]);
  });

  it('a name another entity of the tenant holds is a rejection with the reason, and records no version', async () => {
    const { inbound, mappings } = bridge();
    await inbound.apply(acme, message('{"externalId":"C","version":1,"name":"Tank"}'));
    const rejected = await inbound.apply(acme, message('{"externalId":"D","version":1,"name":"tank"}'));
    expect(rejected).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('is already used by entity') });
    expect(await mappings.get(acme, 'D')).toBeUndefined();
  });

  it('creates the first upserts of a batch in one bulk write, in order, and leaves to apply what is not a new entity', async () => {
    const { inbound, repository, mappings } = bridge();
    const crm: LegacySource = { tenantId: 'acme', source: 'crm' };
    await inbound.apply(acme, message('{"externalId":"OLD","version":3,"name":"Boiler"}'));
    await inbound.apply(acme, message('{"externalId":"GONE","version":1,"name":"Heater"}'));
    await inbound.apply(acme, message('{"op":"delete","externalId":"GONE","version":2}'));
    const bulk = vi.spyOn(repository, 'createMany');

    const outcomes = await inbound.createFirst([
      { source: acme, message: message('{"externalId":"N1","version":1,"name":"Pump"}') },
      { source: acme, message: message('{"externalId":"OLD","version":4,"name":"Boiler","attributes":{"kw":9}}') }, // an update: apply's
      { source: acme, message: message('{"externalId":"N2","version":1,"name":"PUMP"}') }, // N1 took the name first
      { source: crm, message: message('{"externalId":"N1","version":7,"name":"Pump"}') },
      { source: acme, message: message('{"externalId":"GONE","version":3,"name":"Heater"}') }, // its next life
      { source: acme, message: message('{"op":"delete","externalId":"N3","version":1}') },
    ]);

    const nameTaken = { kind: 'rejected', reason: expect.stringContaining('is already used by entity') };
    expect(outcomes).toEqual([
      { kind: 'created', entityId: legacyEntityId(acme, 'N1', 0) },
      undefined,
      nameTaken, // N1 took the name first in the same write
      nameTaken, // crm writes separately, after erp
      { kind: 'created', entityId: legacyEntityId(acme, 'GONE', 1) },
      undefined,
    ]);
    expect(bulk.mock.calls.map(([entities]) => entities.map((e) => e.name))).toEqual([['Pump', 'PUMP', 'Heater'], ['Pump']]); // one write per source
    expect(await mappings.get(acme, 'N1')).toMatchObject({ entityId: legacyEntityId(acme, 'N1', 0), appliedVersion: 1, generation: 0, revision: 1 });
    expect(await mappings.get(acme, 'GONE')).toMatchObject({ entityId: legacyEntityId(acme, 'GONE', 1), appliedVersion: 3, generation: 1, revision: 3 });
    expect(await mappings.get(acme, 'N2')).toBeUndefined(); // a rejection records no version
    expect((await repository.get(legacyEntityId(acme, 'OLD', 0)))!.attributes).toEqual({}); // untouched: apply's to do
  });

  it('an entity created by an earlier attempt whose mapping was not written is left to apply, which finds it', async () => {
    const { inbound, repository, mappings } = bridge();
    mappings.failNextPut = true;
    const upsert = { source: acme, message: message('{"externalId":"E","version":1,"name":"Valve"}') };
    await expect(inbound.createFirst([upsert])).rejects.toThrow('crash');
    expect(await inbound.createFirst([upsert])).toEqual([undefined]); // the id exists
    expect(await inbound.apply(upsert.source, upsert.message)).toMatchObject({ kind: 'unchanged', entityId: legacyEntityId(acme, 'E', 0) });
    expect(repository.items.size).toBe(1);
  });
});
