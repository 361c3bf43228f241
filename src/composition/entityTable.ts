import { createDynamoClient, documentClientFor } from '../adapters/dynamodb/documentClient.ts';
import { DynamoAuditTrail } from '../adapters/dynamodb/DynamoAuditTrail.ts';
import { DynamoEntityRepository } from '../adapters/dynamodb/DynamoEntityRepository.ts';
import { logger, tracer } from '../observability.ts';
import { cursorSigningKey } from './cursorSigningKey.ts';
import { settings } from './identity.ts';
import { once } from './once.ts';

/**
 * Composition root, table half: one DynamoDB client per container, created at import. No cache
 * here: functions that never read through the cache (the audit consumer, history) import this
 * module alone, so their bundles carry no cache client (ioredis) and parse no cache settings.
 */
export const dynamoClient = tracer.captureAWSv3Client(createDynamoClient({ region: settings.AWS_REGION, endpoint: settings.DYNAMODB_ENDPOINT }));
export const documentClient = documentClientFor(dynamoClient);

/** The table, for reads and writes alike (its cursors are signed with the runtime secret's key, fetched on the first listing). */
export const entityRepository: () => Promise<DynamoEntityRepository> = once(() =>
  Promise.resolve(
    new DynamoEntityRepository({
      client: documentClient,
      tableName: settings.ENTITIES_TABLE,
      cursorSigningKey,
      correlationId: () => {
        const id = logger.getCorrelationId();
        return typeof id === 'string' ? id : undefined;
      },
    }),
  ),
);

/** Records audit items (the audit consumer): no settings to fetch. */
export const auditRecorder = new DynamoAuditTrail({ client: documentClient, tableName: settings.ENTITIES_TABLE });

/** The audit trail, in the same table, for reading history (its cursors are signed). */
export const auditTrail: () => Promise<DynamoAuditTrail> = once(async () => {
  return new DynamoAuditTrail({ client: documentClient, tableName: settings.ENTITIES_TABLE, cursorSigningKey: await cursorSigningKey() });
});
