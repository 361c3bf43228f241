import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../src/adapters/dynamodb/dynamoClient.ts';
import { DynamoJobSlots } from '../../src/adapters/dynamodb/DynamoJobSlots.ts';
import { ensureTable } from '../../scripts/lib/localStack.ts';

const table = `job-slots-test-${randomUUID()}`;
let slots: DynamoJobSlots;

beforeAll(async () => {
  const endpoint = inject('dynamoEndpoint');
  await ensureTable(endpoint, table);
  slots = new DynamoJobSlots({ client: createDocumentClient({ region: 'eu-west-1', endpoint }), tableName: table });
});

describe('DynamoJobSlots against DynamoDB Local (the per-tenant job limit, issue 18)', () => {
  it('compare-and-set: of two writers at the same version exactly one wins; tenants are apart', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    expect(await slots.read(tenant)).toEqual({ jobIds: [], version: 0 });
    const outcomes = await Promise.all([slots.write(tenant, ['a'], 0), slots.write(tenant, ['b'], 0)]);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const after = await slots.read(tenant);
    expect(after.version).toBe(1);
    expect(after.jobIds).toHaveLength(1);
    expect(await slots.write(tenant, ['c'], 0)).toBe(false);
    expect(await slots.write(tenant, [...after.jobIds, 'c'], 1)).toBe(true);
    expect(await slots.read(tenant)).toEqual({ jobIds: [...after.jobIds, 'c'], version: 2 });
    expect(await slots.read(`${tenant}-other`)).toEqual({ jobIds: [], version: 0 });
  });
});
