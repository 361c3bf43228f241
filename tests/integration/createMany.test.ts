import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTable } from '../../scripts/lib/localStack.ts';
import { CALL_POLICY } from '../../src/adapters/aws/clientConfig.ts';
import { createDocumentClient } from '../../src/adapters/dynamodb/dynamoClient.ts';
import { transactionTimeoutMs } from '../../src/adapters/dynamodb/creationPlan.ts';
import { DynamoEntityRepository } from '../../src/adapters/dynamodb/DynamoEntityRepository.ts';
import type { Entity } from '../../src/domain/entity.ts';
import { ConflictError, NameTakenError } from '../../src/domain/errors.ts';
import { DynamoCheckpointStore } from '../../src/adapters/dynamodb/DynamoCheckpointStore.ts';
import { runImport } from '../../src/worker/importJob.ts';
import { createJobFiles } from '../../src/worker/jobFiles.ts';
import { uniqueTenant } from '../support/api.ts';
import { startDelayingProxy, type DelayingProxy, type ErrorAnswer, type ProxiedCall } from '../support/delayingProxy.ts';

/**
 * The bulk create (EntityRepository.createMany) against DynamoDB Local, through an HTTP proxy of
 * the test's own that records every request and can answer one with what DynamoDB Local does not
 * produce on demand: a transaction cancelled for contention or throttling (tests/support/delayingProxy.ts).
 */
const table = `create-many-${randomUUID()}`;
let proxy: DelayingProxy;
let repo: DynamoEntityRepository;
let dir: string;

beforeAll(async () => {
  const endpoint = inject('dynamoEndpoint');
  await ensureTable(endpoint, table);
  proxy = await startDelayingProxy(endpoint);
  repo = new DynamoEntityRepository({ client: createDocumentClient({ region: 'eu-west-1', endpoint: proxy.endpoint }), tableName: table, cursorSigningKey: 'create-many-test-signing-key' });
  dir = await mkdtemp(join(tmpdir(), 'create-many-'));
});
afterAll(async () => {
  await proxy.stop();
  await rm(dir, { recursive: true, force: true });
});

const now = new Date().toISOString();
function entity(tenantId: string, name: string, overrides: Partial<Entity> = {}): Entity {
  return { id: randomUUID(), tenantId, name, attributes: { n: name.length }, visibility: 'private', version: 1, createdAt: now, updatedAt: now, ...overrides };
}
const entities = (tenantId: string, n: number, prefix = 'Bulk') => Array.from({ length: n }, (_, i) => entity(tenantId, `${prefix} ${i}`));

/** The TransactWriteItems sent since `from` (the proxy's call count before the step), every attempt. */
const attempts = (from: number): ProxiedCall[] => proxy.calls.slice(from).filter((c) => c.operation === 'TransactWriteItems');
/**
 * The transactions: attempts with the same ClientRequestToken are one (on a loaded machine an
 * attempt can outlast its timeout, and the SDK sends it again: DynamoDB applies it once).
 */
const transactions = (from: number): ProxiedCall[] => {
  const seen = new Set<unknown>();
  return attempts(from).filter((c) => !seen.has(c.input['ClientRequestToken']) && seen.add(c.input['ClientRequestToken']));
};
const itemCounts = (calls: readonly ProxiedCall[]) => calls.map((c) => (c.input['TransactItems'] as unknown[]).length);

/** A TransactionCanceledException as DynamoDB answers it: one reason per item, `None` where nothing went wrong. */
function cancelled(items: number, failures: Record<number, 'TransactionConflict' | 'ThrottlingError' | 'ProvisionedThroughputExceeded'>): ErrorAnswer {
  const reasons = Array.from({ length: items }, (_, i) => (failures[i] ? { Code: failures[i], Message: 'refused by the test proxy' } : { Code: 'None' }));
  return { type: 'TransactionCanceledException', body: { Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`, CancellationReasons: reasons } };
}
const withItems = (n: number) => (input: Record<string, unknown>) => (input['TransactItems'] as unknown[]).length === n;

async function expectStored(list: readonly Entity[]): Promise<void> {
  for (const e of list) expect(await repo.get(e.id)).toEqual(e);
}

// Transactions of 100 items on DynamoDB Local, which applies one write at a time: seconds each on a loaded machine.
describe('EntityRepository.createMany (DynamoDB Local)', { timeout: 120_000 }, () => {
  it('creates 120 entities with their name claims in three transactions of 50 + 50 + 20 entities, each with a ClientRequestToken of its own', async () => {
    const tenant = uniqueTenant('bulk');
    const batch = entities(tenant, 120);
    const from = proxy.calls.length;
    expect(await repo.createMany(batch)).toEqual(batch.map(() => undefined));

    const sent = transactions(from);
    expect(itemCounts(sent)).toEqual([100, 100, 40]);
    const tokens = sent.map((c) => c.input['ClientRequestToken']);
    expect(tokens.every((t) => typeof t === 'string' && t.length > 0)).toBe(true);
    expect(new Set(tokens).size).toBe(3);
    await expectStored(batch);
    // Every name is claimed: creating any of them again is refused.
    for (const i of [0, 77, 119]) await expect(repo.create(entity(tenant, batch[i]!.name.toUpperCase()))).rejects.toEqual(new NameTakenError(batch[i]!.name.toUpperCase(), batch[i]!.id));
  });

  it('refuses only the conflicting entities of a group (a later one of the same name, a name another entity holds, an id that exists) and creates the rest', async () => {
    const tenant = uniqueTenant('conflicts');
    const holder = entity(tenant, 'Taken name');
    const occupant = entity(tenant, 'Occupant');
    await repo.create(holder);
    await repo.create(occupant);
    const batch = entities(tenant, 60, 'Mixed');
    batch[0] = entity(tenant, 'Alpha');
    batch[10] = entity(tenant, '  ALPHA '); // the same name as line 0, compared trimmed and case-insensitively
    batch[20] = entity(tenant, 'taken NAME');
    batch[30] = entity(tenant, 'Fresh name', { id: occupant.id });
    const from = proxy.calls.length;

    const outcomes = await repo.createMany(batch);
    expect(outcomes[10]).toEqual(new NameTakenError('  ALPHA ', batch[0].id));
    expect(outcomes[20]).toEqual(new NameTakenError('taken NAME', holder.id));
    expect(outcomes[30]).toBeInstanceOf(ConflictError);
    expect(outcomes[30]).not.toBeInstanceOf(NameTakenError);
    expect(outcomes.filter((o) => o === undefined)).toHaveLength(57);

    // Round one: all but the second "Alpha" (50 + 9 entities); the first group cancelled by the
    // taken name and the existing id, sent again without them; round two: the second "Alpha" alone.
    expect(itemCounts(transactions(from))).toEqual([100, 96, 18, 2]);
    await expectStored(batch.filter((_, i) => outcomes[i] === undefined));
    for (const i of [10, 20]) expect(await repo.get(batch[i]!.id)).toBeUndefined();
    expect(await repo.get(occupant.id)).toEqual(occupant);
    // The refused entity with the existing id claimed nothing: its name is still free.
    await repo.create(entity(tenant, 'Fresh name'));
  });

  it('splits a transaction cancelled for contention or throttling into halves, and retries a single entity cancelled that way', async () => {
    const tenant = uniqueTenant('fallback');
    const batch = entities(tenant, 50);
    proxy.refuseNext('TransactWriteItems', cancelled(100, { 3: 'TransactionConflict', 70: 'ThrottlingError' }), withItems(100));
    let from = proxy.calls.length;
    expect(await repo.createMany(batch)).toEqual(batch.map(() => undefined));
    let sent = transactions(from);
    expect(sent.map((c) => c.refused ?? false)).toEqual([true, false, false]);
    expect(itemCounts(sent)).toEqual([100, 50, 50]);
    expect(new Set(sent.map((c) => c.input['ClientRequestToken'])).size).toBe(3);
    await expectStored(batch);

    const one = entity(tenant, 'Single');
    proxy.refuseNext('TransactWriteItems', cancelled(2, { 1: 'ProvisionedThroughputExceeded' }), withItems(2));
    from = proxy.calls.length;
    expect(await repo.createMany([one])).toEqual([undefined]);
    sent = transactions(from);
    expect(sent.map((c) => c.refused ?? false)).toEqual([true, false]);
    await expectStored([one]);
  });

  it('a transaction whose answer comes after its timeout is sent again by the SDK with the same token and applied once: every entity is created, none refused', async () => {
    const tenant = uniqueTenant('late');
    const batch = entities(tenant, 80);
    // A full transaction (100 items) may take 4 × 2 s per attempt: an answer after 3 s is waited for.
    expect(transactionTimeoutMs(100)).toBe(4 * CALL_POLICY.requestTimeoutMs);
    proxy.delayNext('TransactWriteItems', CALL_POLICY.requestTimeoutMs + 1000);
    let from = proxy.calls.length;
    expect(await repo.createMany(batch.slice(0, 50))).toEqual(batch.slice(0, 50).map(() => undefined));
    expect(attempts(from).map((c) => c.delayed)).toEqual([true]);

    // 30 entities (60 items, 3 × 2 s): an answer after the timeout is not.
    proxy.delayNext('TransactWriteItems', transactionTimeoutMs(60) + 1500);
    from = proxy.calls.length;
    expect(await repo.createMany(batch.slice(50))).toEqual(batch.slice(50).map(() => undefined));
    const sent = attempts(from);
    expect(sent.map((c) => c.delayed).slice(0, 2)).toEqual([true, false]);
    expect(new Set(sent.map((c) => c.input['ClientRequestToken'])).size).toBe(1);
    await expectStored(batch);
  });
});

describe('the worker import through createMany', { timeout: 120_000 }, () => {
  it('imports 130 lines in batches: a name repeated across batches, a name the tenant already uses and an invalid line are rejected with their lines, a cancelled transaction falls back, counts exact', async () => {
    const tenant = uniqueTenant('import-bulk');
    const holder = entity(tenant, 'Already here');
    await repo.create(holder);
    const lines = Array.from({ length: 130 }, (_, i) => JSON.stringify({ name: `Record ${i + 1}`, attributes: { line: i + 1 } }));
    lines[59] = JSON.stringify({ name: 'record 5' }); // line 60: line 5's name, in the second batch
    lines[6] = JSON.stringify({ name: 'ALREADY HERE' }); // line 7
    lines[99] = JSON.stringify({ name: 'Bad', visibility: 'secret' }); // line 100
    const file = join(dir, `${tenant}.ndjson`);
    const rejectsFile = join(dir, `${tenant}.rejects.ndjson`);
    await writeFile(file, lines.join('\n') + '\n');
    proxy.refuseNext('TransactWriteItems', cancelled(100, { 0: 'TransactionConflict' }), withItems(100));
    const from = proxy.calls.length;

    const client = createDocumentClient({ region: 'eu-west-1', endpoint: inject('dynamoEndpoint') });
    const summary = await runImport(
      { repository: repo, files: createJobFiles(), checkpoints: new DynamoCheckpointStore({ client, tableName: table }), clock: { now: () => new Date() } },
      { jobId: randomUUID(), tenantId: tenant, file, format: 'ndjson', rejectsFile },
    );
    expect(summary).toMatchObject({ state: 'completed', counts: { imported: 127, rejected: 3, replayed: 0 } });
    expect(attempts(from).filter((c) => c.refused)).toHaveLength(1);

    const rejects = (await readFile(rejectsFile, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as { line: number; reason: string; conflictingEntityId?: string });
    expect(rejects.map((r) => r.line)).toEqual([7, 60, 100]);
    expect(rejects[0]!.conflictingEntityId).toBe(holder.id);
    expect(rejects[1]!.reason).toContain('already used');
    expect(rejects[2]!.reason).toBe('invalid record');

    const page = await repo.list({ scope: { kind: 'tenant', tenantId: tenant }, limit: 100 });
    const next = await repo.list({ scope: { kind: 'tenant', tenantId: tenant }, limit: 100, cursor: page.nextCursor! });
    expect(page.items.length + next.items.length).toBe(128); // 127 imported and the holder
    expect(next.nextCursor).toBeNull();
  });
});
