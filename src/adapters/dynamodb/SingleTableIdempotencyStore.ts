import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IdempotencyItemAlreadyExistsError, IdempotencyRecordStatus } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';

const PK_PREFIX = 'IDEMPOTENCY#';
const SK = 'IDEMPOTENCY';

/**
 * Powertools' DynamoDB persistence layer, in the single table: each record is an item of its own
 * (`pk` = `IDEMPOTENCY#<function>#<hash>`, `sk` = `IDEMPOTENCY`), expiring through the table's TTL
 * attribute (`expiresAt`). The only change to Powertools' layer is the key: given a sort key
 * attribute, it would put every record of a function under one static partition key
 * (`idempotency#<function>`), so all Idempotency-Key writes of a function (two per request) would
 * share one partition and its 1,000 writes per second; here they spread over partitions as the
 * entities do. Reads, writes, conditions and expiry are Powertools' own.
 *
 * One case is ours to settle: the in-progress record is a conditional PutItem, and the SDK sends a
 * PutItem again when its answer is late (the 2 s request timeout). If the first attempt was
 * applied, the retry finds that record and fails its condition, and Powertools would answer the
 * request "already in progress" (409) because of its own write, leaving the key blocked until the
 * in-progress expiry. A record that is exactly the one being written (in progress, same expiry to
 * the second, same in-progress expiry to the millisecond, same payload hash) is that write.
 */
export class SingleTableIdempotencyStore extends DynamoDBPersistenceLayer {
  constructor(options: { tableName: string; client: DynamoDBClient }) {
    super({ tableName: options.tableName, awsSdkV3Client: options.client, keyAttr: 'pk', expiryAttr: 'expiresAt' });
  }

  protected override async _putRecord(record: IdempotencyRecord): Promise<void> {
    try {
      await super._putRecord(record);
    } catch (error) {
      if (error instanceof IdempotencyItemAlreadyExistsError && isSameWrite(error.existingRecord, record)) return;
      throw error;
    }
  }

  /** Records read back carry the stored (prefixed) key: never prefix twice. */
  protected override getKey(idempotencyKey: string): Record<string, AttributeValue> {
    return { pk: { S: idempotencyKey.startsWith(PK_PREFIX) ? idempotencyKey : `${PK_PREFIX}${idempotencyKey}` }, sk: { S: SK } };
  }
}

function isSameWrite(existing: IdempotencyRecord | undefined, written: IdempotencyRecord): boolean {
  return (
    existing !== undefined &&
    written.getStatus() === IdempotencyRecordStatus.INPROGRESS &&
    existing.getStatus() === IdempotencyRecordStatus.INPROGRESS &&
    written.inProgressExpiryTimestamp !== undefined &&
    existing.inProgressExpiryTimestamp === written.inProgressExpiryTimestamp &&
    existing.expiryTimestamp === written.expiryTimestamp &&
    existing.payloadHash === written.payloadHash
  );
}
