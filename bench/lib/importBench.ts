import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, type BatchWriteCommandInput, type BatchWriteCommandOutput } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../src/adapters/dynamodb/dynamoClient.ts';
import { DynamoEntityRepository } from '../../src/adapters/dynamodb/DynamoEntityRepository.ts';
import { toItem } from '../../src/adapters/dynamodb/entityItem.ts';
import type { Entity } from '../../src/domain/entity.ts';
import { DynamoCheckpointStore } from '../../src/worker/checkpoints.ts';
import { runImport } from '../../src/worker/importJob.ts';
import { createJobFiles } from '../../src/worker/jobFiles.ts';
import { ensureTable } from '../../scripts/lib/localStack.ts';

export interface ImportBenchResult {
  readonly records: number;
  /** The worker's import (validation, the entity service's rules: a transaction per record with its name claim, 16 at a time, checkpoints). */
  readonly importRecordsPerSecond: number;
  /** The same records as plain entity items, 25 per BatchWriteItem, one call after another (no rules, no name claims, no validation). */
  readonly batchWriteRecordsPerSecond: number;
}

/** The generated import: `n` valid records with a few attributes each. */
function records(n: number): { name: string; attributes: Record<string, unknown>; visibility: 'public' | 'private' }[] {
  return Array.from({ length: n }, (_, i) => ({ name: `Pump station ${i}`, attributes: { site: i % 2 ? 'north' : 'south', capacityLitres: 1000 + i, tags: ['bench'] }, visibility: i % 3 ? 'private' : 'public' }));
}

async function batchWriteAll(client: DynamoDBDocumentClient, table: string, entities: Entity[]): Promise<void> {
  for (let i = 0; i < entities.length; i += 25) {
    let pending: NonNullable<BatchWriteCommandInput['RequestItems']>[string] | undefined = entities.slice(i, i + 25).map((e) => ({ PutRequest: { Item: toItem(e) } }));
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      const output: BatchWriteCommandOutput = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = output.UnprocessedItems?.[table];
      if (pending?.length) await sleep(Math.random() * 50 * 2 ** attempt);
    }
  }
}

/**
 * Import throughput against DynamoDB Local: the worker's `import` job over a generated NDJSON file
 * beside a plain BatchWriteItem loop writing the same records, in the same run, each into a table
 * of its own (created here, left in DynamoDB Local's memory).
 */
export async function measureImport(options: { endpoint: string; records: number }): Promise<ImportBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-import-'));
  const client = createDocumentClient({ region: 'eu-west-1', endpoint: options.endpoint });
  try {
    const input = records(options.records);
    const file = join(dir, 'import.ndjson');
    await writeFile(file, input.map((r) => JSON.stringify(r)).join('\n') + '\n');

    const importTable = `bench-import-${randomUUID()}`;
    await ensureTable(options.endpoint, importTable);
    const repository = new DynamoEntityRepository({ client, tableName: importTable, cursorSigningKey: randomUUID() });
    const deps = { repository, files: createJobFiles(), checkpoints: new DynamoCheckpointStore({ client, tableName: importTable }), clock: { now: () => new Date() } };
    let started = performance.now();
    const summary = await runImport(deps, { jobId: randomUUID(), tenantId: 'bench', file, format: 'ndjson', rejectsFile: join(dir, 'rejects.ndjson'), concurrency: 16 });
    const importSeconds = (performance.now() - started) / 1000;
    if (summary.counts['imported'] !== options.records) throw new Error(`import bench imported ${summary.counts['imported']} of ${options.records}`);

    const batchTable = `bench-batch-${randomUUID()}`;
    await ensureTable(options.endpoint, batchTable);
    const now = new Date().toISOString();
    const entities: Entity[] = input.map((r) => ({ id: randomUUID(), tenantId: 'bench', ...r, attributes: r.attributes as Entity['attributes'], version: 1, createdAt: now, updatedAt: now }));
    // The baseline is the AWS SDK's own document client: the plainest way to write these items.
    const sdk = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1', endpoint: options.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
    started = performance.now();
    await batchWriteAll(sdk, batchTable, entities).finally(() => sdk.destroy());
    const batchSeconds = (performance.now() - started) / 1000;

    return { records: options.records, importRecordsPerSecond: options.records / importSeconds, batchWriteRecordsPerSecond: options.records / batchSeconds };
  } finally {
    client.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The rows `npm run bench` prints for the import (informational: no budget). */
export function importFigures(result: ImportBenchResult): { name: string; value: number; display: string }[] {
  const rate = (n: number) => `${Math.round(n).toLocaleString('en-US')} records/s`;
  return [
    { name: `worker import, ${result.records} records (rules, 16 at a time)`, value: result.importRecordsPerSecond, display: rate(result.importRecordsPerSecond) },
    { name: 'plain BatchWriteItem loop, same records', value: result.batchWriteRecordsPerSecond, display: rate(result.batchWriteRecordsPerSecond) },
    { name: 'import / BatchWriteItem', value: result.importRecordsPerSecond / result.batchWriteRecordsPerSecond, display: `${(result.importRecordsPerSecond / result.batchWriteRecordsPerSecond).toFixed(2)}×` },
  ];
}
