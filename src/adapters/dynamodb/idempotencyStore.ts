import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';

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
 */
export class SingleTableIdempotencyStore extends DynamoDBPersistenceLayer {
  constructor(options: { tableName: string; client: DynamoDBClient }) {
    super({ tableName: options.tableName, awsSdkV3Client: options.client, keyAttr: 'pk', expiryAttr: 'expiresAt' });
  }

  /** Records read back carry the stored (prefixed) key: never prefix twice. */
  protected override getKey(idempotencyKey: string): Record<string, AttributeValue> {
    return { pk: { S: idempotencyKey.startsWith(PK_PREFIX) ? idempotencyKey : `${PK_PREFIX}${idempotencyKey}` }, sk: { S: SK } };
  }
}
