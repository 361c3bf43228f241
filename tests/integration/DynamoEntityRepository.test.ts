import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it, inject } from 'vitest';
import { createDocumentClient } from '../../src/adapters/dynamodb/dynamoClient.ts';
import { DynamoEntityRepository, MAX_QUERIES_PER_PAGE } from '../../src/adapters/dynamodb/DynamoEntityRepository.ts';
import type { Entity } from '../../src/domain/entity.ts';
import { NameTakenError, NotFoundError, PreconditionFailedError, ValidationError } from '../../src/domain/errors.ts';
import { ensureTable } from '../../scripts/lib/localStack.ts';

const table = `repository-test-${randomUUID()}`;
let repo: DynamoEntityRepository;

function entity(tenantId: string, overrides: Partial<Entity> = {}): Entity {
  const now = new Date().toISOString();
  return { id: randomUUID(), tenantId, name: `e-${randomUUID().slice(0, 8)}`, attributes: { n: 1 }, visibility: 'private', version: 1, createdAt: now, updatedAt: now, ...overrides };
}

/** Entities created one after another so creation order (the listing order) is known. */
let tick = 0;
async function createMany(tenantId: string, count: number, overrides: Partial<Entity> = {}): Promise<Entity[]> {
  const out: Entity[] = [];
  for (let i = 0; i < count; i++) {
    const e = entity(tenantId, { ...overrides, createdAt: new Date(Date.UTC(2026, 0, 1) + 1000 * tick++).toISOString() });
    await repo.create(e);
    out.push(e);
  }
  return out;
}

async function collect(criteria: Parameters<DynamoEntityRepository['list']>[0]): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await repo.list({ ...criteria, ...(cursor && { cursor }) });
    expect(page.items.length).toBeLessThanOrEqual(criteria.limit);
    ids.push(...page.items.map((e) => e.id));
    cursor = page.nextCursor ?? undefined;
    pages += 1;
  } while (cursor && pages < 50);
  return { ids, pages };
}

beforeAll(async () => {
  const endpoint = inject('dynamoEndpoint');
  await ensureTable(endpoint, table);
  repo = new DynamoEntityRepository({ client: createDocumentClient({ region: 'eu-west-1', endpoint }), tableName: table, cursorSigningKey: 'integration-test-signing-key' });
});

describe('DynamoEntityRepository against DynamoDB Local', () => {
  it('round-trips every number the API accepts, up to 9.9e125 and down to 1e-130, as the same JSON number', async () => {
    const e = entity(`nums-${randomUUID()}`, { attributes: { big: 1e20, largest: 9.9e125, smallest: -1e-130, exact: 9007199254740991, fraction: 0.1, list: [1e21, 2.5], empty: '', nested: { zero: 0 } } });
    await repo.create(e);
    const read = await repo.get(e.id);
    expect(read).toEqual(e);
    expect(JSON.parse(JSON.stringify(read!.attributes))).toEqual(e.attributes);
  });

  it('round-trips an entity, attributes included', async () => {
    const e = entity('tenant-a', { attributes: { nested: { list: [1, 'two', null, { deep: true }] }, empty: '' } });
    await repo.create(e);
    expect(await repo.get(e.id)).toEqual(e);
    expect(await repo.get(randomUUID())).toBeUndefined();
  });

  it('updates and deletes only at the expected version', async () => {
    const e = entity('tenant-a');
    await repo.create(e);
    const v2 = { ...e, name: `renamed ${e.id}`, version: 2 };
    await repo.update(v2, e);
    await expect(repo.update({ ...e, name: `lost update ${e.id}`, version: 2 }, e)).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(repo.update({ ...e, version: 2 }, e)).rejects.toMatchObject({ currentVersion: 2 });
    await expect(repo.delete(e, new Date().toISOString())).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(await repo.get(e.id)).toEqual(v2);
    await repo.delete(v2, new Date().toISOString());
    expect(await repo.get(e.id)).toBeUndefined();
    await expect(repo.update({ ...v2, version: 3 }, v2)).rejects.toBeInstanceOf(NotFoundError);
    await expect(repo.delete(v2, new Date().toISOString())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('pages through a tenant in creation order across pages, isolated from other tenants', async () => {
    const tenant = `t-${randomUUID()}`;
    const mine = await createMany(tenant, 12);
    await createMany(`t-${randomUUID()}`, 5);
    const { ids, pages } = await collect({ scope: { kind: 'tenant', tenantId: tenant }, limit: 5 });
    expect(ids).toEqual(mine.map((e) => e.id));
    expect(pages).toBe(3);
  });

  it('unions the caller tenant with other tenants’ public entities without duplicates', async () => {
    const me = `me-${randomUUID()}`;
    const mine = [...(await createMany(me, 3)), ...(await createMany(me, 2, { visibility: 'public' }))];
    const theirs = await createMany(`them-${randomUUID()}`, 4, { visibility: 'public' });
    const { ids } = await collect({ scope: { kind: 'public-and-tenant', tenantId: me }, limit: 2 });
    const expectedMine = mine.map((e) => e.id);
    expect(ids.slice(0, expectedMine.length)).toEqual(expectedMine);
    expect(ids).toEqual(expect.arrayContaining(theirs.map((e) => e.id)));
    expect(new Set(ids).size).toBe(ids.length);
    const publicOnly = await collect({ scope: { kind: 'public' }, limit: 100 });
    expect(publicOnly.ids).toEqual(expect.arrayContaining(theirs.map((e) => e.id)));
    expect(publicOnly.ids).not.toContain(mine[0]!.id);
  });

  it('looks names up case-insensitively, scoped to tenant and visibility', async () => {
    const name = `Lookup ${randomUUID()}`;
    const [a] = await createMany('tenant-a', 1, { name });
    const [b] = await createMany('tenant-b', 1, { name: `  ${name.toUpperCase()} `, visibility: 'public' });
    expect((await repo.list({ scope: { kind: 'tenant', tenantId: 'tenant-a' }, name: name.toLowerCase(), limit: 10 })).items.map((e) => e.id)).toEqual([a!.id]);
    expect((await repo.list({ scope: { kind: 'public' }, name, limit: 10 })).items.map((e) => e.id)).toEqual([b!.id]);
    expect((await repo.list({ scope: { kind: 'public-and-tenant', tenantId: 'tenant-a' }, name, limit: 10 })).items.map((e) => e.id).sort()).toEqual([a!.id, b!.id].sort());
  });

  it('drops an entity from the public index when it turns private', async () => {
    const [e] = await createMany(`vis-${randomUUID()}`, 1, { visibility: 'public', name: `vis-${randomUUID()}` });
    await repo.update({ ...e!, visibility: 'private', version: 2 }, e!);
    expect((await repo.list({ scope: { kind: 'public' }, name: e!.name, limit: 10 })).items).toEqual([]);
  });

  it('refuses a tampered cursor or one from another query', async () => {
    const tenant = `c-${randomUUID()}`;
    await createMany(tenant, 3);
    const first = await repo.list({ scope: { kind: 'tenant', tenantId: tenant }, limit: 1 });
    const cursor = first.nextCursor!;
    const [body, mac] = cursor.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ s: 0, k: { pk: 'ENTITY#x', sk: 'METADATA', tenantKey: 'TENANT#other', listKey: '0' } })).toString('base64url');
    await expect(repo.list({ scope: { kind: 'tenant', tenantId: tenant }, limit: 1, cursor: `${forged}.${mac}` })).rejects.toBeInstanceOf(ValidationError);
    await expect(repo.list({ scope: { kind: 'tenant', tenantId: 'other' }, limit: 1, cursor })).rejects.toBeInstanceOf(ValidationError);
    await expect(repo.list({ scope: { kind: 'tenant', tenantId: tenant }, limit: 1, cursor: `${body}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}` })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('name uniqueness per tenant (one transaction with a name claim)', () => {
  it('refuses a second entity with the same name, case-insensitively and trimmed, naming the holder', async () => {
    const tenant = `u-${randomUUID()}`;
    const first = entity(tenant, { name: 'Unique Thing' });
    await repo.create(first);
    const error = await repo.create(entity(tenant, { name: '  unique THING ' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NameTakenError);
    expect((error as NameTakenError).conflictingEntityId).toBe(first.id);
    // Another tenant may use the name.
    await expect(repo.create(entity(`u-${randomUUID()}`, { name: 'Unique Thing' }))).resolves.toBeUndefined();
  });

  it('a rename claims the new name and releases the old one atomically; delete releases it', async () => {
    const tenant = `r-${randomUUID()}`;
    const a = entity(tenant, { name: 'alpha' });
    const b = entity(tenant, { name: 'beta' });
    await repo.create(a);
    await repo.create(b);
    await expect(repo.update({ ...a, name: 'BETA', version: 2 }, a)).rejects.toBeInstanceOf(NameTakenError);
    expect(await repo.get(a.id)).toEqual(a); // nothing half-written
    const renamed = { ...a, name: 'gamma', version: 2 };
    await repo.update(renamed, a);
    await repo.create(entity(tenant, { name: 'Alpha' })); // the old name is free again
    await expect(repo.create(entity(tenant, { name: 'gamma' }))).rejects.toBeInstanceOf(NameTakenError);
    await repo.update({ ...renamed, name: 'GAMMA', version: 3 }, renamed); // same name, other case: no claim change
    await repo.delete({ ...renamed, name: 'GAMMA', version: 3 }, new Date().toISOString());
    await expect(repo.create(entity(tenant, { name: 'gamma' }))).resolves.toBeUndefined();
  });

  it('maps each cancellation reason precisely: a stale version is 412 even when the new name is taken', async () => {
    const tenant = `m-${randomUUID()}`;
    const a = entity(tenant, { name: 'one' });
    await repo.create(a);
    await repo.create(entity(tenant, { name: 'two' }));
    await repo.update({ ...a, attributes: { changed: true }, version: 2 }, a);
    await expect(repo.update({ ...a, name: 'two', version: 2 }, a)).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(repo.update({ ...a, name: 'three', version: 2 }, a)).rejects.toMatchObject({ currentVersion: 2 });
  });
});

describe('deletion leaves a tombstone for the event stream', () => {
  it('replaces the entity with a versioned, expiring tombstone that carries the correlation id', async () => {
    const endpoint = inject('dynamoEndpoint');
    const stamped = new DynamoEntityRepository({ client: createDocumentClient({ region: 'eu-west-1', endpoint }), tableName: table, cursorSigningKey: 'integration-test-signing-key', correlationId: () => 'corr-123' });
    const e = entity(`d-${randomUUID()}`, { visibility: 'public' });
    await stamped.create(e);
    const deletedAt = '2026-11-21T10:00:00.000Z';
    await stamped.delete(e, deletedAt);
    expect(await stamped.get(e.id)).toBeUndefined();
    expect((await stamped.list({ scope: { kind: 'tenant', tenantId: e.tenantId }, limit: 10 })).items).toEqual([]);
    const raw = await createDocumentClient({ region: 'eu-west-1', endpoint }).send(new GetCommand({ TableName: table, Key: { pk: `ENTITY#${e.id}`, sk: 'METADATA' } }));
    expect(raw.Item).toEqual({
      pk: `ENTITY#${e.id}`, sk: 'METADATA', type: 'Tombstone', id: e.id, tenantId: e.tenantId, name: e.name,
      version: 2, deletedAt, expiresAt: Date.parse(deletedAt) / 1000 + 30 * 24 * 3600, correlationId: 'corr-123',
    });
    // A tombstone cannot be updated or deleted again.
    await expect(stamped.update({ ...e, version: 2 }, e)).rejects.toBeInstanceOf(NotFoundError);
    await expect(stamped.delete({ ...e, version: 2 }, deletedAt)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('bounded work per page (issue 18): at most MAX_QUERIES_PER_PAGE queries, short pages resume where the reading stopped', () => {
  const boundedTable = `repository-bounded-${randomUUID()}`;
  let queries = 0;
  let bounded: DynamoEntityRepository;

  beforeAll(async () => {
    const endpoint = inject('dynamoEndpoint');
    await ensureTable(endpoint, boundedTable);
    const client = createDocumentClient({ region: 'eu-west-1', endpoint });
    // Counts the Query calls the repository sends.
    client.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === 'QueryCommand') queries += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countQueries' },
    );
    const counting = client;
    bounded = new DynamoEntityRepository({ client: counting, tableName: boundedTable, cursorSigningKey: 'integration-test-signing-key' });
  });

  async function counted<T>(run: () => Promise<T>): Promise<{ result: T; queries: number }> {
    const before = queries;
    const result = await run();
    return { result, queries: queries - before };
  }

  it('a page of 1 behind 200 filtered items of the caller\'s tenant costs at most 3 queries (201 before), and the cursor reaches the item', { timeout: 120_000 }, async () => {
    const own = `own-${randomUUID().slice(0, 8)}`;
    const base = Date.UTC(2026, 5, 1);
    for (let i = 0; i < 200; i++) await bounded.create(entity(own, { visibility: 'public', createdAt: new Date(base + i * 1000).toISOString() }));
    const foreign = entity(`foreign-${randomUUID().slice(0, 8)}`, { visibility: 'public', createdAt: new Date(base + 500_000).toISOString() });
    await bounded.create(foreign);
    const scope = { kind: 'public-and-tenant', tenantId: own } as const;

    // Through the caller's own 200 (the tenant segment), then a page of 1 from the public segment, which skips those 200.
    let cursor: string | undefined;
    for (let i = 0; i < 2; i++) cursor = (await bounded.list({ scope, limit: 100, ...(cursor && { cursor }) })).nextCursor ?? undefined;
    const pages: { items: number; queries: number }[] = [];
    const found: string[] = [];
    while (cursor && pages.length < 10) {
      const { result, queries: cost } = await counted(() => bounded.list({ scope, limit: 1, cursor }));
      pages.push({ items: result.items.length, queries: cost });
      found.push(...result.items.map((e) => e.id));
      cursor = result.nextCursor ?? undefined;
    }
    for (const page of pages) expect(page.queries).toBeLessThanOrEqual(MAX_QUERIES_PER_PAGE);
    expect(found).toEqual([foreign.id]);
    console.info(`bounded page behind 200 filtered items: ${JSON.stringify(pages)}`);
  });

  it('an anonymous name lookup behind 35 private namesakes costs at most 3 queries (36 before) and finds the public one', async () => {
    const name = `namesake ${randomUUID()}`;
    for (let i = 0; i < 35; i++) await bounded.create(entity(`private-${i}-${randomUUID().slice(0, 6)}`, { name, visibility: 'private' }));
    const visible = entity(`public-${randomUUID().slice(0, 6)}`, { name, visibility: 'public' });
    await bounded.create(visible);
    const { result, queries: cost } = await counted(() => bounded.list({ scope: { kind: 'public' }, name, limit: 1 }));
    expect(cost).toBeLessThanOrEqual(MAX_QUERIES_PER_PAGE);
    const ids = result.items.map((e) => e.id);
    let cursor = result.nextCursor ?? undefined;
    for (let pages = 0; cursor && pages < 10; pages++) {
      const next = await counted(() => bounded.list({ scope: { kind: 'public' }, name, limit: 1, cursor }));
      expect(next.queries).toBeLessThanOrEqual(MAX_QUERIES_PER_PAGE);
      ids.push(...next.result.items.map((e) => e.id));
      cursor = next.result.nextCursor ?? undefined;
    }
    expect(ids).toEqual([visible.id]);
    console.info(`anonymous name lookup behind 35 private namesakes: ${cost} queries for the first page`);
  });

  it('past the bound a page is short (here empty) with a cursor that resumes exactly where the reading stopped', async () => {
    const own = `wall-${randomUUID().slice(0, 8)}`;
    const name = `wall ${randomUUID()}`;
    // 350 private namesakes: more than 3 filtered reads of 100 each; then one public.
    for (let i = 0; i < 350; i += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => bounded.create(entity(`${own}-${String(i + j).padStart(3, '0')}`, { name, visibility: 'private' }))));
    }
    const visible = entity(`${own}-public`, { name, visibility: 'public' });
    await bounded.create(visible);
    const first = await counted(() => bounded.list({ scope: { kind: 'public' }, name, limit: 5 }));
    expect(first.queries).toBe(MAX_QUERIES_PER_PAGE);
    expect(first.result.items).toEqual([]);
    expect(first.result.nextCursor).toEqual(expect.any(String));
    const second = await bounded.list({ scope: { kind: 'public' }, name, limit: 5, cursor: first.result.nextCursor! });
    expect(second.items.map((e) => e.id)).toEqual([visible.id]);
    expect(second.nextCursor).toBeNull();
  });
});
