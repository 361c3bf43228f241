import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, inject, it } from 'vitest';
import { api, READ_WRITE, token, uniqueTenant, type ApiResponse } from '../support/api.ts';
import { eventually } from '../support/eventually.ts';
import { expectProblem } from '../support/expectProblem.ts';

const SECURE = '/api/v1/secure/entities';

describe('the event pipeline: stream → publisher → EventBridge → SQS → audit trail', () => {
  it('records every change, newest first, with versions, snapshots, tombstone and correlation ids', { timeout: 90_000 }, async () => {
    const tenantId = uniqueTenant();
    const t = await token({ tenantId, scopes: READ_WRITE });
    const created = (await api('POST', SECURE, { token: t, headers: { 'x-correlation-id': 'corr-create' }, body: { name: `audited ${randomUUID()}` } })).body;
    await api('PATCH', `${SECURE}/${created.id}`, { token: t, headers: { 'x-correlation-id': 'corr-patch' }, body: { attributes: { step: 2 } } });
    await api('DELETE', `${SECURE}/${created.id}`, { token: t, headers: { 'x-correlation-id': 'corr-delete' } });

    const history = await eventually(
      () => api('GET', `${SECURE}/${created.id}/history`, { token: t }),
      (r: ApiResponse) => r.status === 200 && r.body.items.length === 3,
    );
    expect(history.status, history.text).toBe(200);
    expect(history.body.items.map((e: { type: string; version: number; correlationId: string }) => [e.type, e.version, e.correlationId])).toEqual([
      ['EntityDeleted', 3, 'corr-delete'],
      ['EntityUpdated', 2, 'corr-patch'],
      ['EntityCreated', 1, 'corr-create'],
    ]);
    const [deleted, updated, first] = history.body.items;
    expect(first).toMatchObject({ schemaVersion: 1, eventId: `${created.id}#1`, tenantId, entityId: created.id, entity: created });
    expect(updated.entity.attributes).toEqual({ step: 2 });
    expect(deleted.tombstone).toMatchObject({ id: created.id, tenantId, name: created.name, version: 3 });

    // Paged, and another tenant's history does not exist.
    const page = await api('GET', `${SECURE}/${created.id}/history?limit=2`, { token: t });
    expect(page.body.items).toHaveLength(2);
    const rest = await api('GET', `${SECURE}/${created.id}/history?limit=2&cursor=${encodeURIComponent(page.body.nextCursor)}`, { token: t });
    expect(rest.body.items.map((e: { version: number }) => e.version)).toEqual([1]);
    const stranger = await token({ tenantId: uniqueTenant(), scopes: READ_WRITE });
    expectProblem(await api('GET', `${SECURE}/${created.id}/history`, { token: stranger }), 404);
  });

  it('dead-letters a poison message after the queue’s receive limit while the rest of its batch succeeds', { timeout: 90_000 }, async () => {
    const tenantId = uniqueTenant();
    const t = await token({ tenantId, scopes: READ_WRITE });
    const good = (await api('POST', SECURE, { token: t, body: { name: `good ${randomUUID()}` } })).body;
    const marker = randomUUID();
    const bus = new EventBridgeClient({ endpoint: inject('eventBusEndpoint'), region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await bus.send(new PutEventsCommand({ Entries: [{ EventBusName: 'entity-platform-local-events', Source: 'entity-platform.entities', DetailType: 'EntityCreated', Detail: JSON.stringify({ poison: marker }) }] }));
    bus.destroy();

    const history = await eventually(() => api('GET', `${SECURE}/${good.id}/history`, { token: t }), (r) => r.status === 200);
    expect(history.body.items.map((e: { type: string }) => e.type)).toEqual(['EntityCreated']);
    // Every consumer receives the poison message; each one dead-letters it after its queue's receive limit.
    const poisoned = (dl: Record<string, string[]>) => Object.entries(dl).filter(([, bodies]) => bodies.some((b) => b.includes(marker))).map(([queue]) => queue).sort();
    const deadLetters = await eventually(
      async () => (await (await fetch(`${inject('eventBusEndpoint')}/dead-letters`)).json()) as Record<string, string[]>,
      (dl) => poisoned(dl).length === Object.keys(dl).length,
    );
    expect(poisoned(deadLetters)).toEqual(Object.keys(deadLetters).sort());
    expect(poisoned(deadLetters)).toContain('AuditDeadLetterQueue');
  });
});
