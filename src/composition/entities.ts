import { randomUUID } from 'node:crypto';
import { createDynamoClient, documentClientFor } from '../adapters/dynamodb/documentClient.ts';
import { DynamoAuditTrail } from '../adapters/dynamodb/DynamoAuditTrail.ts';
import { DynamoEntityRepository } from '../adapters/dynamodb/DynamoEntityRepository.ts';
import { SingleTableIdempotencyStore } from '../adapters/dynamodb/idempotencyStore.ts';
import { CacheInvalidatingRepository, EntityCacheInvalidator, EntityCacheKeys, EntityReadCache } from '../domain/entityReadCache.ts';
import { EntityService } from '../domain/entityService.ts';
import { createIdempotentExecutor, type IdempotentExecutor } from '../http/idempotency.ts';
import { logger, tracer } from '../observability.ts';
import { runtimeSettings, settings } from './identity.ts';
import { cacheConfig, cacheObserver, cacheStore, cacheTtls } from './cache.ts';
import { once } from './once.ts';

export { accessTokenVerifier } from './identity.ts';

/** Composition root, entity half: one DynamoDB client per container, created at import. */
const dynamoClient = tracer.captureAWSv3Client(createDynamoClient({ region: settings.AWS_REGION, endpoint: settings.DYNAMODB_ENDPOINT }));
const documentClient = documentClientFor(dynamoClient);

/** The table, for reads and writes alike (its cursors are signed with the runtime secret's key). */
const entityRepository: () => Promise<DynamoEntityRepository> = once(async () => {
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

const cacheKeys = new EntityCacheKeys(cacheConfig.CACHE_KEY_PREFIX);

/** Deletes the entries a change affects (the write path and the invalidator consumer); needs no settings. */
export const entityCacheInvalidator = new EntityCacheInvalidator(cacheStore, cacheKeys);

/** The data API's read-through cache (Redis, or the in-process LRU locally); see src/domain/entityReadCache.ts. */
export const entityReadCache: () => Promise<EntityReadCache> = once(async () =>
  new EntityReadCache({ repository: await entityRepository(), store: cacheStore, keys: cacheKeys, ttls: cacheTtls, observer: cacheObserver }),
);

/** Writes delete the cache entries they affect once they succeed (the invalidator consumer does it again on the event). */
export const entityService: () => Promise<EntityService> = once(async () => {
  const repository = new CacheInvalidatingRepository(await entityRepository(), entityCacheInvalidator, (error) => cacheObserver.error('invalidate', error));
  return new EntityService({ repository, clock: { now: () => new Date() }, ids: { newId: randomUUID } });
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
