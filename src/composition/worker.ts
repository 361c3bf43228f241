import { randomUUID } from 'node:crypto';
import { DynamoCheckpointStore } from '../adapters/dynamodb/DynamoCheckpointStore.ts';
import { createDocumentClient } from '../adapters/dynamodb/dynamoClient.ts';
import { DynamoEntityPages, type EntityPages } from '../adapters/dynamodb/DynamoEntityPages.ts';
import { DynamoEntityRepository } from '../adapters/dynamodb/DynamoEntityRepository.ts';
import { DynamoJobRecords } from '../adapters/dynamodb/DynamoJobRecords.ts';
import { openPool } from '../adapters/postgres/pool.ts';
import { PostgresEntityProjector } from '../adapters/postgres/PostgresEntityProjector.ts';
import { createS3Client, S3ObjectStore } from '../adapters/s3/S3ObjectStore.ts';
import { readWorkerDatabaseConfig, type WorkerConfig } from '../config/workerConfig.ts';
import type { CheckpointStore, EntityProjector, EntityRepository, JobRecords } from '../domain/ports.ts';
import { createJobFiles, type JobFiles } from '../worker/jobFiles.ts';

/** What the worker's jobs run over, built for one run of the worker (src/worker/main.ts). */
export interface WorkerAdapters {
  readonly records: JobRecords;
  readonly checkpoints: CheckpointStore;
  readonly files: JobFiles;
  readonly pages: EntityPages;
  /** The table for an import, its writes stamped with the job as their correlation id. */
  entityRepository(jobId: string): EntityRepository;
  /** The read model for a rebuild: its own pool, ended by `close`. */
  openReadModel(): Promise<{ readonly projector: EntityProjector; close(): Promise<void> }>;
  /** Lets the process exit: the DynamoDB client's sockets are closed. */
  close(): void;
}

/**
 * The worker's composition root (the ECS task, `npm run worker`): its clients and adapters from
 * its configuration (src/config/workerConfig.ts). On ECS the task role's credentials come from the
 * container credentials endpoint: the SDK's default provider chain finds them (and refreshes them
 * before they expire).
 */
export function composeWorker(config: WorkerConfig): WorkerAdapters {
  const client = createDocumentClient({ region: config.region, endpoint: config.endpoint });
  const table = { client, tableName: config.tableName };
  return {
    records: new DynamoJobRecords(table),
    checkpoints: new DynamoCheckpointStore(table),
    files: createJobFiles({ s3: new S3ObjectStore(createS3Client({ region: config.region, endpoint: config.s3Endpoint })), kmsKeyId: config.kmsKeyId }),
    pages: new DynamoEntityPages(table),
    // An import signs no cursor: a key of its own is never used.
    entityRepository: (jobId) => new DynamoEntityRepository({ ...table, cursorSigningKey: randomUUID(), correlationId: () => `job:${jobId}` }),
    async openReadModel() {
      const pool = await openPool(readWorkerDatabaseConfig());
      return { projector: new PostgresEntityProjector(pool), close: () => pool.end() };
    },
    close: () => client.destroy(),
  };
}
