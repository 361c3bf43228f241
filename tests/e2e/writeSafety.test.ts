import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { dynamoClient, localTableName } from '../../scripts/lib/localStack.ts';
import { api, READ_WRITE, token, uniqueTenant, type ApiResponse } from '../support/api.ts';
import { expectProblem } from '../support/expectProblem.ts';

const SECURE = '/api/v1/secure/entities';

async function writer(tenantId = uniqueTenant()) {
  return { tenantId, token: await token({ tenantId, scopes: READ_WRITE, subject: `user-${randomUUID()}` }) };
}

/** Retries a call while it answers 409 "in progress" (honouring Retry-After, bounded). */
async function untilSettled(call: () => Promise<ApiResponse>): Promise<ApiResponse> {
  for (let attempt = 0; ; attempt++) {
    const response = await call();
    if (response.status !== 409 || !response.headers.get('retry-after') || attempt >= 50) return response;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every item of a tenant in the table, read straight from DynamoDB Local. */
async function tenantItems(tenantId: string): Promise<Record<string, any>[]> {
  const client = dynamoClient(inject('dynamoEndpoint'));
  const items: Record<string, any>[] = [];
  let start: Record<string, any> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: localTableName(), FilterExpression: 'tenantId = :t', ExpressionAttributeValues: { ':t': { S: tenantId } }, ...(start && { ExclusiveStartKey: start }) }));
    items.push(...(page.Items ?? []).map((i) => unmarshall(i)));
    start = page.LastEvaluatedKey;
  } while (start);
  client.destroy();
  return items;
}

describe('Idempotency-Key', () => {
  it('replays the original outcome for the same key and payload, marked Idempotent-Replayed', async () => {
    const { token: t } = await writer();
    const key = randomUUID();
    const first = await api('POST', SECURE, { token: t, headers: { 'Idempotency-Key': key }, body: { name: 'Once only' } });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await api('POST', SECURE, { token: t, headers: { 'Idempotency-Key': key }, body: { name: 'Once only' } });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    const list = await api('GET', `${SECURE}?name=${encodeURIComponent('Once only')}`, { token: t });
    expect(list.body.items).toHaveLength(1);
  });

  it('refuses the same key with a different payload (422) and scopes keys per tenant and caller', async () => {
    const a = await writer();
    const key = randomUUID();
    expect((await api('POST', SECURE, { token: a.token, headers: { 'Idempotency-Key': key }, body: { name: 'first payload' } })).status).toBe(201);
    const reused = await api('POST', SECURE, { token: a.token, headers: { 'Idempotency-Key': key }, body: { name: 'second payload' } });
    expect(expectProblem(reused, 422).detail).toMatch(/Idempotency-Key/);
    // Another tenant (and another caller of the same tenant) using the same key gets its own outcome.
    const b = await writer();
    const other = await api('POST', SECURE, { token: b.token, headers: { 'Idempotency-Key': key }, body: { name: 'first payload' } });
    expect(other.status).toBe(201);
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    const colleague = await token({ tenantId: a.tenantId, scopes: READ_WRITE, subject: `colleague-${randomUUID()}` });
    const mine = await api('POST', SECURE, { token: colleague, headers: { 'Idempotency-Key': key }, body: { name: 'colleague payload' } });
    expect(mine.status).toBe(201);
  });

  it('replays a 4xx outcome, and rejects a malformed key', async () => {
    const { token: t } = await writer();
    await api('POST', SECURE, { token: t, body: { name: 'taken' } });
    const key = randomUUID();
    const conflict = await api('POST', SECURE, { token: t, headers: { 'Idempotency-Key': key }, body: { name: 'taken' } });
    expectProblem(conflict, 409);
    const replay = await api('POST', SECURE, { token: t, headers: { 'Idempotency-Key': key }, body: { name: 'taken' } });
    expect(replay.status).toBe(409);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(conflict.body);
    expectProblem(await api('POST', SECURE, { token: t, headers: { 'Idempotency-Key': 'x'.repeat(256) }, body: { name: 'long key' } }), 400);
    expectProblem(await api('POST', SECURE, { token: t, headers: { 'Idempotency-Key': 'tab\there' }, body: { name: 'bad key' } }), 400);
  });

  it('is honoured on PATCH and DELETE too', async () => {
    const { token: t } = await writer();
    const created = (await api('POST', SECURE, { token: t, body: { name: 'patch me' } })).body;
    const key = randomUUID();
    const patch = () => api('PATCH', `${SECURE}/${created.id}`, { token: t, headers: { 'Idempotency-Key': key, 'If-Match': '"1"' }, body: { attributes: { n: 1 } } });
    const first = await patch();
    expect(first.status).toBe(200);
    const second = await patch(); // without the key this would be a 412 (version is now 2)
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.version).toBe(2);
    const deleteKey = randomUUID();
    const del = () => api('DELETE', `${SECURE}/${created.id}`, { token: t, headers: { 'Idempotency-Key': deleteKey } });
    expect((await del()).status).toBe(204);
    expect((await del()).status).toBe(204); // replayed, not 404
  });

  it('50 concurrent POSTs with one key create exactly one entity, and every caller gets its id', async () => {
    const { tenantId, token: t } = await writer();
    const key = randomUUID();
    const post = () => api('POST', SECURE, { token: t, headers: { 'Idempotency-Key': key }, body: { name: 'stampede', attributes: { n: 1 } } });
    const responses = await Promise.all(Array.from({ length: 50 }, () => untilSettled(post)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(201));
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    const entities = (await tenantItems(tenantId)).filter((i) => i['type'] === 'Entity');
    expect(entities).toHaveLength(1);
  });
});

describe('names are unique per tenant', () => {
  it('50 concurrent creates of one name (different keys): exactly one 201, 49 × 409 naming it', async () => {
    const { tenantId, token: t } = await writer();
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => api('POST', SECURE, { token: t, headers: { 'Idempotency-Key': `k-${i}` }, body: { name: i % 2 ? 'Contested' : ' contested ' } })),
    );
    // Anything but a 201 or a 409 is a defect; shown with its answer so a failure says which.
    expect(responses.filter((r) => r.status !== 201 && r.status !== 409).map((r) => `${r.status} ${r.text}`)).toEqual([]);
    const created = responses.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    const conflicts = responses.filter((r) => r.status === 409);
    expect(conflicts).toHaveLength(49);
    for (const conflict of conflicts) expect(expectProblem(conflict, 409)).toMatchObject({ conflictingEntityId: created[0]!.body.id });
    expect((await tenantItems(tenantId)).filter((i) => i['type'] === 'Entity')).toHaveLength(1);
  });

  it('20 concurrent PATCHes with the same If-Match: one 200, 19 × 412, version + 1', async () => {
    const { token: t } = await writer();
    const created = (await api('POST', SECURE, { token: t, body: { name: 'hot' } })).body;
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => api('PATCH', `${SECURE}/${created.id}`, { token: t, headers: { 'If-Match': '"1"' }, body: { attributes: { writer: i } } })),
    );
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 412)).toHaveLength(19);
    const final = await api('GET', `${SECURE}/${created.id}`, { token: t });
    expect(final.body.version).toBe(2);
  });

  it('renames racing with creates never leave a name on two entities nor a claim without its entity', async () => {
    const { tenantId, token: t } = await writer();
    const ids: string[] = [];
    for (const name of ['n0', 'n1', 'n2', 'n3', 'n4']) ids.push((await api('POST', SECURE, { token: t, body: { name } })).body.id);
    // Each entity renames to the next name (freeing its own), while creates go for every name.
    const race = [
      ...ids.map((id, i) => api('PATCH', `${SECURE}/${id}`, { token: t, body: { name: `n${(i + 1) % 6}` } })),
      ...['n0', 'n1', 'n2', 'n3', 'n4', 'n5'].map((name) => api('POST', SECURE, { token: t, body: { name } })),
      ...ids.map((id, i) => api('PATCH', `${SECURE}/${id}`, { token: t, body: { name: `m${i}` } })),
    ];
    const statuses = (await Promise.all(race)).map((r) => r.status);
    expect(statuses.every((s) => [200, 201, 409].includes(s)), JSON.stringify(statuses)).toBe(true);

    const items = await tenantItems(tenantId);
    const entities = items.filter((i) => i['type'] === 'Entity');
    const claims = items.filter((i) => i['type'] === 'NameClaim');
    const names = entities.map((e) => String(e['nameKey']));
    expect(new Set(names).size).toBe(names.length); // no name on two entities
    expect(claims.map((c) => `${c['pk']}→${c['entityId']}`).sort()).toEqual(entities.map((e) => `NAME#${tenantId}#${e['nameKey']}→${e['id']}`).sort());
  });
});

describe('idempotency records live in the single table', () => {
  it('as their own items with a TTL attribute', async () => {
    const { token: t } = await writer();
    const key = randomUUID();
    await api('POST', SECURE, { token: t, headers: { 'Idempotency-Key': key }, body: { name: 'recorded' } });
    const client = dynamoClient(inject('dynamoEndpoint'));
    const page = await client.send(new ScanCommand({ TableName: localTableName(), FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': { S: 'IDEMPOTENCY#' } } }));
    client.destroy();
    const records = (page.Items ?? []).map((i) => unmarshall(i));
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) {
      expect(record['sk']).toBe('IDEMPOTENCY');
      expect(record['expiresAt']).toBeGreaterThan(Date.now() / 1000 + 23 * 3600);
    }
  });
});
