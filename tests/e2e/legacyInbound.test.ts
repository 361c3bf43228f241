import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../src/adapters/dynamodb/dynamoClient.ts';
import { DynamoEntityRepository } from '../../src/adapters/dynamodb/DynamoEntityRepository.ts';
import { DynamoExternalIdMappings } from '../../src/adapters/dynamodb/DynamoExternalIdMappings.ts';
import { brokerNames } from '../../src/adapters/rabbitmq/brokerDefinitions.ts';
import type { RabbitMQEvent } from '../../src/adapters/rabbitmq/rmqEvent.ts';
import type { Entity } from '../../src/domain/entity.ts';
import type { LegacyCounts } from '../../src/domain/legacyBatch.ts';
import type { LegacySource } from '../../src/domain/legacyInbound.ts';
import { ensureTable } from '../../scripts/lib/localStack.ts';
import { startLocalMq } from '../../scripts/lib/localMq.ts';
import { eventually } from '../support/eventually.ts';
import { LOCAL_BROKER_URL, testBroker } from '../support/legacyBroker.ts';

/**
 * The inbound half of the legacy bridge end to end (issue 21): 1,000 messages published to the
 * local RabbitMQ the way a monolith would (duplicates, out-of-order versions, deletes and
 * re-creations, invalid ones), consumed by the local stand-in of the Amazon MQ event source
 * mapping (scripts/lib/localMq.ts) into the real consumer function over DynamoDB Local; the
 * resulting entities, the dead-lettered messages and the counts are checked exactly against a
 * model of the rules.
 */
const sources: LegacySource[] = [{ tenantId: `acme-${randomUUID().slice(0, 6)}`, source: 'erp' }, { tenantId: `globex-${randomUUID().slice(0, 6)}`, source: 'erp' }];
const table = `legacy-inbound-${randomUUID()}`;
const context = { awsRequestId: 'r', functionName: 'consumeLegacyMessages', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
let broker: Awaited<ReturnType<typeof testBroker>>;
let handler: (event: RabbitMQEvent, context: Context) => Promise<LegacyCounts>;
let endpoint: string;
const totals: LegacyCounts = { created: 0, updated: 0, unchanged: 0, deleted: 0, duplicate: 0, stale: 0, rejected: 0, invalid: 0 };
const mqs: { stop(): Promise<void> }[] = [];
/** Batches that failed (a DynamoDB Local request timing out on a loaded machine) and went back to the queue. */
let requeued = 0;
/** Messages the broker delivered again (a channel recovered with the batch unacknowledged: at least once). */
let redelivered = 0;
/** The published messages' ids (their index) whose batch was applied. */
const applied = new Set<string>();

beforeAll(async () => {
  endpoint = inject('dynamoEndpoint');
  await ensureTable(endpoint, table);
  broker = await testBroker(sources);
  Object.assign(process.env, {
    STAGE: 'local', AWS_REGION: 'eu-west-1', ENTITIES_TABLE: table, DYNAMODB_ENDPOINT: endpoint, IDENTITY_PROVIDER: 'local',
    LOCAL_ISSUER_DIR: inject('issuerDir'), CURSOR_SIGNING_KEY: 'local-only-cursor-signing-key', EVENT_BUS_NAME: 'unused',
    LEGACY_PREFIX: broker.prefix, LEGACY_SOURCES: sources.map((s) => `${s.tenantId}:${s.source}`).join(','), LEGACY_BROKER_URL: LOCAL_BROKER_URL,
    POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_TRACE_ENABLED: 'false', POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  ({ handler } = await import('../../functions/legacy/consumeLegacyMessages.ts'));
  for (const source of sources) {
    mqs.push(
      startLocalMq({
        connection: broker.connection, queue: brokerNames(broker.prefix).inbound(source), batchSize: 50, batchWindowMs: 200, log: (line) => {
          if (line.includes('requeued')) requeued += 1;
        },
        invoke: async (event) => {
          const counts = await handler(event, context);
          for (const [k, n] of Object.entries(counts)) totals[k as keyof LegacyCounts] += n;
          for (const m of Object.values(event.rmqMessagesByQueue).flat()) {
            if (m.redelivered) redelivered += 1;
            applied.add(String(m.basicProperties?.messageId));
          }
        },
      }),
    );
  }
}, 60_000);

afterAll(async () => {
  for (const mq of mqs) await mq.stop();
  await broker?.dispose();
});

/** A small deterministic generator, so a failure replays. */
function generator(seed: number) {
  let state = seed;
  return () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

interface Planned { readonly source: LegacySource; readonly text: string }

/** 1,000 messages over 2 sources × 60 external ids, and the model's expected outcome. */
function plan() {
  const random = generator(21);
  const messages: Planned[] = [];
  const model = new Map<string, { applied: number; live?: { name: string; attributes: Record<string, unknown>; visibility: string } }>();
  const counts: LegacyCounts = { created: 0, updated: 0, unchanged: 0, deleted: 0, duplicate: 0, stale: 0, rejected: 0, invalid: 0 };
  const versions = new Map<string, number>();
  while (messages.length < 1000) {
    const source = sources[Math.floor(random() * sources.length)]!;
    const externalId = `E-${Math.floor(random() * 60)}`;
    const key = JSON.stringify([source.tenantId, externalId]);
    const roll = random();
    let text: string;
    if (roll < 0.05) {
      // invalid: not JSON, a missing version, a tenant of its own (never taken from the message), a bad name
      text = ['{"externalId":', `{"externalId":"${externalId}","name":"x"}`, `{"externalId":"${externalId}","version":1,"name":"x","tenantId":"${sources[1]!.tenantId}"}`, `{"externalId":"${externalId}","version":2,"name":"   "}`][Math.floor(random() * 4)]!;
      counts.invalid += 1;
      messages.push({ source, text });
      continue;
    }
    // mostly newer versions, some repeats of the latest (duplicates) and some older ones (out of order)
    const latest = versions.get(key) ?? 0;
    const version = roll < 0.15 ? latest : roll < 0.3 ? Math.max(0, latest - 1 - Math.floor(random() * 3)) : latest + 1 + Math.floor(random() * 2);
    versions.set(key, Math.max(latest, version));
    const op = random() < 0.15 ? 'delete' : 'upsert';
    const content = { name: `Item ${externalId} of ${source.tenantId}`, attributes: { v: version % 4, source: source.source }, visibility: version % 2 === 0 ? 'public' : 'private' };
    text = op === 'delete' ? JSON.stringify({ op, externalId, version }) : JSON.stringify({ externalId, version, ...content });
    messages.push({ source, text });
    const state = model.get(key) ?? { applied: -1 };
    if (state.applied >= version) counts[state.applied === version ? 'duplicate' : 'stale'] += 1;
    else if (op === 'delete') {
      counts.deleted += 1;
      model.set(key, { applied: version });
    } else {
      counts[!state.live ? 'created' : JSON.stringify(state.live) === JSON.stringify(content) ? 'unchanged' : 'updated'] += 1;
      model.set(key, { applied: version, live: content });
    }
  }
  return { messages, model, counts };
}

describe('legacy bridge inbound over the local RabbitMQ (issue 21)', () => {
  it('1,000 messages with duplicates, out-of-order versions and invalid ones end as exactly the expected entities', async () => {
    const { messages, model, counts } = plan();
    const publisher = broker.connection.createPublisher({ confirm: true });
    for (const [i, m] of messages.entries()) {
      await publisher.send({ exchange: brokerNames(broker.prefix).inbound(m.source), routingKey: '', durable: true, contentType: 'application/json; charset=utf-8', messageId: String(i) }, Buffer.from(m.text));
    }
    await publisher.close();
    await eventually(() => Promise.resolve(applied.size), (n) => n >= messages.length, 150_000);
    // Exactly the model's counts when every message was delivered once; a batch that failed went
    // back to the queue, and a batch the broker delivered again (its acknowledgement lost with a
    // channel) comes again: what it had applied then counts as duplicates (and older versions behind
    // it may arrive later, as stale). The entities below are the same either way.
    if (requeued === 0 && redelivered === 0) expect(totals).toEqual(counts);
    else {
      expect(totals.invalid).toBe(counts.invalid);
      expect(totals.rejected).toBe(0);
      expect(totals.stale).toBeGreaterThanOrEqual(counts.stale);
    }

    const client = createDocumentClient({ region: 'eu-west-1', endpoint });
    const repository = new DynamoEntityRepository({ client, tableName: table, cursorSigningKey: 'local-only-cursor-signing-key' });
    const mappings = new DynamoExternalIdMappings({ client, tableName: table });
    for (const source of sources) {
      const stored: Entity[] = [];
      let cursor: string | undefined;
      do {
        const page = await repository.list({ scope: { kind: 'tenant', tenantId: source.tenantId }, limit: 100, ...(cursor && { cursor }) });
        stored.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const expected = [...model.entries()].filter(([key, state]) => JSON.parse(key)[0] === source.tenantId && state.live).map(([, state]) => state.live!);
      expect(stored.map((e) => ({ name: e.name, attributes: e.attributes, visibility: e.visibility })).sort((a, b) => a.name.localeCompare(b.name))).toEqual(
        [...expected].sort((a, b) => a.name.localeCompare(b.name)),
      );
      for (const [key, state] of model) {
        const [tenantId, externalId] = JSON.parse(key) as [string, string];
        if (tenantId !== source.tenantId) continue;
        const mapping = await mappings.get(source, externalId);
        expect(mapping?.appliedVersion).toBe(state.applied);
        if (state.live) expect(stored.find((e) => e.id === mapping?.entityId)?.name).toBe(state.live.name);
        else expect(mapping?.entityId).toBeUndefined();
      }
    }

    const dead = (await Promise.all(sources.map((s) => broker.drain(brokerNames(broker.prefix).deadLetterQueue(s))))).flat();
    expect(dead).toHaveLength(counts.invalid);
    for (const letter of dead) {
      expect(String(letter.headers['x-rejection-reason'])).toMatch(/not JSON|invalid/);
      expect(sources.map((s) => s.tenantId)).toContain(letter.headers['x-tenant']);
    }
  }, 180_000);

  it("a message on source A's queue never writes tenant B's entity, even when it names B or B's external id", async () => {
    const [a, b] = sources as [LegacySource, LegacySource];
    const names = brokerNames(broker.prefix);
    const before = Object.values(totals).reduce((x, y) => x + y, 0);
    const publisher = broker.connection.createPublisher({ confirm: true });
    const send = (source: LegacySource, message: Record<string, unknown>) => publisher.send({ exchange: names.inbound(source), routingKey: '', durable: true, contentType: 'application/json; charset=utf-8' }, Buffer.from(JSON.stringify(message)));
    await send(b, { externalId: 'SHARED-1', version: 1, name: "B's own record", attributes: { owner: 'b' } });
    await eventually(() => Promise.resolve(Object.values(totals).reduce((x, y) => x + y, 0)), (n) => n >= before + 1, 60_000);
    // On A's queue: one naming tenant B (refused: a message carries no tenant), then A's own record with B's external id, then its delete.
    await send(a, { externalId: 'SHARED-1', version: 7, name: "B's own record", attributes: { owner: 'a claims b' }, tenantId: b.tenantId });
    await send(a, { externalId: 'SHARED-1', version: 8, name: "A's record", attributes: { owner: 'a' } });
    await send(a, { op: 'delete', externalId: 'SHARED-1', version: 9 });
    await publisher.close();
    await eventually(() => Promise.resolve(Object.values(totals).reduce((x, y) => x + y, 0)), (n) => n >= before + 4, 60_000);

    const client = createDocumentClient({ region: 'eu-west-1', endpoint });
    const repository = new DynamoEntityRepository({ client, tableName: table, cursorSigningKey: 'local-only-cursor-signing-key' });
    const mappings = new DynamoExternalIdMappings({ client, tableName: table });
    const mappingB = await mappings.get(b, 'SHARED-1');
    expect(mappingB?.appliedVersion).toBe(1);
    const entityB = await repository.get(mappingB!.entityId!);
    expect(entityB).toMatchObject({ tenantId: b.tenantId, name: "B's own record", attributes: { owner: 'b' }, version: 1 });
    const mappingA = await mappings.get(a, 'SHARED-1');
    expect(mappingA).toMatchObject({ tenantId: a.tenantId, appliedVersion: 9 });
    expect(mappingA?.entityId).toBeUndefined();
    expect(mappings.entityIdFor(a, 'SHARED-1', 0)).not.toBe(mappingB!.entityId);
    // The one naming B went to A's dead-letter queue, said to be A's.
    const dead = await broker.drain(names.deadLetterQueue(a));
    expect(dead.map((d) => [JSON.parse(d.body.toString()).tenantId, d.headers['x-tenant'], d.headers['x-source']])).toEqual([[b.tenantId, a.tenantId, a.source]]);
    expect(String(dead[0]!.headers['x-rejection-reason'])).toMatch(/tenantId/);
    expect(await broker.drain(names.deadLetterQueue(b))).toEqual([]);
  }, 120_000);
});
