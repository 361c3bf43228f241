import { DynamoEntitySource } from '../adapters/dynamodb/DynamoEntitySource.ts';
import { PostgresReadModelStore } from '../adapters/postgres/PostgresReadModelStore.ts';
import { ReadModelReconciler } from '../domain/readModelReconciler.ts';
import { documentClient } from './dynamo.ts';
import { once } from './once.ts';
import { loadReadModelPool } from './readModel.ts';
import { settings } from './settings.ts';

/** The scheduled reconciliation: the table (DynamoDB, the source of truth) against the read model, over the container's pool. */
export const loadReadModelReconciler: () => Promise<ReadModelReconciler> = once(async () =>
  new ReadModelReconciler({ source: new DynamoEntitySource({ client: documentClient, tableName: settings.ENTITIES_TABLE }), readModel: new PostgresReadModelStore(await loadReadModelPool()) }),
);
