import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';

const PK_PREFIX = 'IDEMPOTENCY#';
const SK = 'IDEMPOTENCY';

/**
 * Powertools' DynamoDB persistence layer, stored in the single table: each record is its own item
 * (`pk` = `IDEMPOTENCY#<function>#<hash>`, `sk` = `IDEMPOTENCY`), so records spread over
 * partitions instead of sharing one static partition key, and expire through the table's TTL
 * attribute (`expiresAt`).
 */
export class SingleTableIdempotencyStore extends DynamoDBPersistenceLayer {
  constructor(options: { tableName: string; client: DynamoDBClient }) {
    super({ tableName: options.tableName, awsSdkV3Client: options.client, keyAttr: 'pk', expiryAttr: 'expiresAt' });
  }

  protected override getKey(idempotencyKey: string): ReturnType<DynamoDBPersistenceLayer['getKey']> {
    // Records read back carry the stored (prefixed) key: never prefix twice.
    const pk = idempotencyKey.startsWith(PK_PREFIX) ? idempotencyKey : `${PK_PREFIX}${idempotencyKey}`;
    return marshall({ pk, sk: SK });
  }
}
