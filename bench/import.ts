/**
 * The import benchmark (issue 16, item 8): N records through the worker's import path beside a
 * plain BatchWriteItem loop over the same records, on DynamoDB Local, in the same run; the ratio
 * has a budget. A third loop sends the import's own items in plain transactions, to tell DynamoDB
 * Local's cost of a transaction apart from ours. `npm run bench` runs it with the rest; `node bench/import.ts [records] [rounds]`
 * runs it alone on a DynamoDB Local of its own (defaults 2000 records, 3 rounds; a fourth argument
 * sets the import's concurrency, default the worker's against DynamoDB Local).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, TransactWriteCommand, type BatchWriteCommandInput, type BatchWriteCommandOutput } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../src/adapters/dynamodb/dynamoClient.ts';
import { DynamoEntityRepository } from '../src/adapters/dynamodb/DynamoEntityRepository.ts';
import { toItem, toNameClaimItem } from '../src/adapters/dynamodb/entityItem.ts';
import type { Entity } from '../src/domain/entity.ts';
import { DynamoCheckpointStore } from '../src/adapters/dynamodb/DynamoCheckpointStore.ts';
import { LOCAL_IMPORT_CONCURRENCY, runImport } from '../src/worker/importJob.ts';
import { createJobFiles } from '../src/worker/jobFiles.ts';
import { ensureTable, freePort, startDynamoDbLocal } from '../scripts/lib/localStack.ts';
import { median } from './lib/stats.ts';

/** The worker's import must reach this share of the plain loop's records/s. */
export const IMPORT_BUDGET_RATIO = 0.8;

export interface ImportBenchResult {
  readonly records: number;
  readonly rounds: number;
  /** The worker's import as it runs against DynamoDB Local (validation, the entity service's rules, each entity with its name claim in transactions of 50 entities, one in flight, checkpoints); median of the rounds. */
  readonly importRecordsPerSecond: number;
  /** The same records as plain entity items, 25 per BatchWriteItem, one call after another (no rules, no name claims, no validation); median of the rounds. */
  readonly batchWriteRecordsPerSecond: number;
  /**
   * The items the import writes (each entity and its name claim, both conditional), 50 records per
   * TransactWriteItems, one call after another, with no rules, validation or checkpoints: what
   * DynamoDB Local's transactions cost by themselves; median of the rounds.
   */
  readonly transactRecordsPerSecond: number;
  /** Median of the rounds' ratios (each round measures all three, back to back). */
  readonly ratio: number;
  /** Median of the rounds' import / plain-transaction ratios: what our code adds to the transactions. */
  readonly overTransactRatio: number;
  readonly samples: readonly { readonly importRecordsPerSecond: number; readonly batchWriteRecordsPerSecond: number; readonly transactRecordsPerSecond: number }[];
}

/** The generated import: `n` valid records with a few attributes each. */
function records(n: number): { name: string; attributes: Record<string, unknown>; visibility: 'public' | 'private' }[] {
  return Array.from({ length: n }, (_, i) => ({ name: `Pump station ${i}`, attributes: { site: i % 2 ? 'north' : 'south', capacityLitres: 1000 + i, tags: ['bench'] }, visibility: i % 3 ? 'private' : 'public' }));
}

/** The reference: the SDK's document client with its defaults, BatchWriteItem 25 at a time, unprocessed items sent again after a jittered pause. */
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

/** The second reference: the import's own items (entity + name claim, conditional), 50 records per transaction, one after another. */
async function transactAll(client: DynamoDBDocumentClient, table: string, entities: Entity[]): Promise<void> {
  const conditional = (Item: object) => ({ Put: { TableName: table, Item, ConditionExpression: 'attribute_not_exists(pk)' } });
  for (let i = 0; i < entities.length; i += 50) {
    await client.send(new TransactWriteCommand({ TransactItems: entities.slice(i, i + 50).flatMap((e) => [conditional(toItem(e)), conditional(toNameClaimItem(e))]) }));
  }
}

/**
 * Import throughput against DynamoDB Local: the worker's `import` job over a generated NDJSON file
 * beside the plain loop writing the same records, `rounds` times, alternating which goes first,
 * each run into a table of its own (created here, left in DynamoDB Local's memory).
 */
export async function measureImport(options: { endpoint: string; records: number; rounds?: number; concurrency?: number }): Promise<ImportBenchResult> {
  const rounds = Math.max(1, options.rounds ?? 3);
  const dir = await mkdtemp(join(tmpdir(), 'bench-import-'));
  const client = createDocumentClient({ region: 'eu-west-1', endpoint: options.endpoint });
  const sdk = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1', endpoint: options.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
  try {
    const input = records(options.records);
    const file = join(dir, 'import.ndjson');
    await writeFile(file, input.map((r) => JSON.stringify(r)).join('\n') + '\n');

    const viaImport = async (records = options.records, source = file): Promise<number> => {
      const table = `bench-import-${randomUUID()}`;
      await ensureTable(options.endpoint, table);
      const repository = new DynamoEntityRepository({ client, tableName: table, cursorSigningKey: randomUUID() });
      const deps = { repository, files: createJobFiles(), checkpoints: new DynamoCheckpointStore({ client, tableName: table }), clock: { now: () => new Date() } };
      const started = performance.now();
      const summary = await runImport(deps, { jobId: randomUUID(), tenantId: 'bench', file: source, format: 'ndjson', rejectsFile: join(dir, `${table}.rejects.ndjson`), concurrency: options.concurrency ?? LOCAL_IMPORT_CONCURRENCY });
      const seconds = (performance.now() - started) / 1000;
      if (summary.counts['imported'] !== records) throw new Error(`import bench imported ${summary.counts['imported']} of ${records}`);
      return records / seconds;
    };
    const viaLoop = (write: typeof batchWriteAll) => async (records = input): Promise<number> => {
      const table = `bench-loop-${randomUUID()}`;
      await ensureTable(options.endpoint, table);
      const now = new Date().toISOString();
      const entities: Entity[] = records.map((r) => ({ id: randomUUID(), tenantId: 'bench', ...r, attributes: r.attributes as Entity['attributes'], version: 1, createdAt: now, updatedAt: now }));
      const started = performance.now();
      await write(sdk, table, entities);
      return records.length / ((performance.now() - started) / 1000);
    };
    const viaBatchWrite = viaLoop(batchWriteAll);
    const viaTransact = viaLoop(transactAll);

    // Warm-up, not counted: DynamoDB Local's JIT and both code paths (a first transaction can take seconds).
    const warmUp = join(dir, 'warm-up.ndjson');
    await writeFile(warmUp, input.slice(0, 300).map((r) => JSON.stringify(r)).join('\n') + '\n');
    await viaImport(300, warmUp);
    await viaBatchWrite(input.slice(0, 300));
    await viaTransact(input.slice(0, 300));

    const imports: number[] = [];
    const batches: number[] = [];
    const transacts: number[] = [];
    const measures = [async () => imports.push(await viaImport()), async () => batches.push(await viaBatchWrite()), async () => transacts.push(await viaTransact())];
    for (let round = 0; round < rounds; round++) {
      // Each round starts with another of the three, so none always runs on the freshest JIT or the fullest memory.
      for (let k = 0; k < measures.length; k++) await measures[(round + k) % measures.length]!();
    }
    return {
      records: options.records,
      rounds,
      importRecordsPerSecond: median(imports),
      batchWriteRecordsPerSecond: median(batches),
      transactRecordsPerSecond: median(transacts),
      ratio: median(imports.map((rate, i) => rate / batches[i]!)),
      overTransactRatio: median(imports.map((rate, i) => rate / transacts[i]!)),
      samples: imports.map((rate, i) => ({ importRecordsPerSecond: rate, batchWriteRecordsPerSecond: batches[i]!, transactRecordsPerSecond: transacts[i]! })),
    };
  } finally {
    client.destroy();
    sdk.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The rows `npm run bench` prints for the import; the ratio has its budget. */
export function importFigures(result: ImportBenchResult): { name: string; value: number; unit: string; display: string; budget?: { text: string; ok: boolean } }[] {
  const rate = (n: number) => `${Math.round(n).toLocaleString('en-US')} records/s`;
  return [
    { name: `worker import, ${result.records} records (rules, name claims, transactions of 50, one in flight as against DynamoDB Local; median of ${result.rounds})`, value: result.importRecordsPerSecond, unit: 'records/s', display: rate(result.importRecordsPerSecond) },
    { name: 'plain BatchWriteItem loop, same records', value: result.batchWriteRecordsPerSecond, unit: 'records/s', display: rate(result.batchWriteRecordsPerSecond) },
    { name: 'plain TransactWriteItems loop, the import\'s items (entity + name claim, conditional, 50 records a call)', value: result.transactRecordsPerSecond, unit: 'records/s', display: rate(result.transactRecordsPerSecond) },
    { name: 'import / TransactWriteItems loop (what our code adds; not budgeted)', value: result.overTransactRatio, unit: '×', display: `${result.overTransactRatio.toFixed(2)}×` },
    {
      name: 'import / BatchWriteItem',
      value: result.ratio,
      unit: '×',
      display: `${result.ratio.toFixed(2)}×`,
      budget: { text: `≥ ${IMPORT_BUDGET_RATIO}×`, ok: result.ratio >= IMPORT_BUDGET_RATIO },
    },
  ];
}

// `node bench/import.ts [records] [rounds]`: this case alone, on a DynamoDB Local of its own.
if (import.meta.filename === process.argv[1]) {
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  try {
    const concurrency = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
    const result = await measureImport({ endpoint: dynamo.endpoint, records: Number(process.argv[2] ?? 2000), rounds: Number(process.argv[3] ?? 3), ...(concurrency && { concurrency }) });
    console.log(`rounds (import / BatchWriteItem / TransactWriteItems records/s): ${result.samples.map((s) => `${Math.round(s.importRecordsPerSecond)}/${Math.round(s.batchWriteRecordsPerSecond)}/${Math.round(s.transactRecordsPerSecond)}`).join(', ')}`);
    for (const f of importFigures(result)) console.log(`${f.name.padEnd(110)} ${f.display.padStart(18)}  ${f.budget ? `${f.budget.text} ${f.budget.ok ? 'ok' : 'MISSED'}` : ''}`);
    process.exitCode = result.ratio >= IMPORT_BUDGET_RATIO ? 0 : 1;
  } finally {
    await dynamo.stop();
  }
}
