import { SingleTableIdempotencyStore } from '../adapters/dynamodb/SingleTableIdempotencyStore.ts';
import { createIdempotentExecutor } from '../http/idempotentExecutor.ts';
import type { IdempotentExecutor } from '../http/idempotencyKey.ts';
import { dynamoDBClient } from './dynamo.ts';
import { settings } from './settings.ts';
import { once } from './once.ts';

/**
 * Idempotency-Key outcomes, kept in the entities table. A module of its own, imported by the write
 * handlers alone: reads do not bundle Powertools idempotency and its JMESPath engine.
 */
export const loadIdempotentExecutor: () => Promise<IdempotentExecutor> = once(() =>
  Promise.resolve(createIdempotentExecutor(new SingleTableIdempotencyStore({ tableName: settings.ENTITIES_TABLE, client: dynamoDBClient }), { ttlSeconds: settings.IDEMPOTENCY_TTL_SECONDS })),
);
