import { DynamoAuditTrail } from '../adapters/dynamodb/DynamoAuditTrail.ts';
import { DynamoEntityRepository } from '../adapters/dynamodb/DynamoEntityRepository.ts';
import { logger } from '../observability/index.ts';
import { loadCursorSigningKey } from './cursorSigningKey.ts';
import { documentClient } from './dynamo.ts';
import { settings } from './settings.ts';

/**
 * Composition root, table half: the entity repository and the audit trail over the container's
 * DynamoDB client (./dynamo.ts). No cache here: functions that never read through the cache (the
 * audit consumer, history) import this module alone, so their bundles carry no cache client and
 * parse no cache settings.
 */

/** The table, for reads and writes alike (its cursors are signed with the runtime secret's key, fetched on the first listing). */
export const entityRepository = /* @__PURE__ */ new DynamoEntityRepository({
  client: documentClient,
  tableName: settings.ENTITIES_TABLE,
  cursorSigningKey: loadCursorSigningKey,
  correlationId: () => {
    const id = logger.getCorrelationId();
    return typeof id === 'string' ? id : undefined;
  },
});

/** Records audit items (the audit consumer): no key, so its bundle fetches no secret. */
export const auditRecorder = /* @__PURE__ */ new DynamoAuditTrail({ client: documentClient, tableName: settings.ENTITIES_TABLE });

/** The audit trail, in the same table, for reading history (its cursors are signed with the same key, fetched on the first history read). */
export const auditTrail = /* @__PURE__ */ new DynamoAuditTrail({ client: documentClient, tableName: settings.ENTITIES_TABLE, cursorSigningKey: loadCursorSigningKey });
