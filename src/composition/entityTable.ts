import { createDynamoClient, documentClientFor } from '../adapters/dynamodb/documentClient.ts';
import { DynamoAuditTrail } from '../adapters/dynamodb/DynamoAuditTrail.ts';
import { DynamoEntityRepository } from '../adapters/dynamodb/DynamoEntityRepository.ts';
import { SingleTableIdempotencyStore } from '../adapters/dynamodb/idempotencyStore.ts';
import { createIdempotentExecutor, type IdempotentExecutor } from '../http/idempotency.ts';
import { logger, tracer } from '../observability.ts';
import { runtimeSettings, settings } from './identity.ts';
import { once } from './once.ts';

export { accessTokenVerifier } from './identity.ts';

/**
 * Composition root, table half: one DynamoDB client per container, created at import. No cache
 * here: functions that never read through the cache (the audit consumer, history) import this
 * module alone, so their bundles carry no cache client (ioredis) and parse no cache settings.
 */
const dynamoClient = tracer.captureAWSv3Client(createDynamoClient({ region: settings.AWS_REGION, endpoint: settings.DYNAMODB_ENDPOINT }));
export const documentClient = documentClientFor(dynamoClient);

/** The table, for reads and writes alike (its cursors are signed with the runtime secret's key). */
export const entityRepository: () => Promise<DynamoEntityRepository> = once(async () => {
  const { cursorSigningKey } = await runtimeSettings();
  return new DynamoEntityRepository({
    client: documentClient,
    tableName: settings.ENTITIES_TABLE,
    cursorSigningKey,
    correlationId: () => {
      const id = logger.getCorrelationId();
      return typeof id === 'string' ? id : undefined;
    },
  });
});

/** Records audit items (the audit consumer): no settings to fetch. */
export const auditRecorder = new DynamoAuditTrail({ client: documentClient, tableName: settings.ENTITIES_TABLE });

/** The audit trail, in the same table, for reading history (its cursors are signed). */
export const auditTrail: () => Promise<DynamoAuditTrail> = once(async () => {
  const { cursorSigningKey } = await runtimeSettings();
  return new DynamoAuditTrail({ client: documentClient, tableName: settings.ENTITIES_TABLE, cursorSigningKey });
});

/** Idempotency-Key outcomes, kept in the same table. */
export const idempotency: () => Promise<IdempotentExecutor> = once(() =>
  Promise.resolve(createIdempotentExecutor(new SingleTableIdempotencyStore({ tableName: settings.ENTITIES_TABLE, client: dynamoClient }), { ttlSeconds: settings.IDEMPOTENCY_TTL_SECONDS })),
);
