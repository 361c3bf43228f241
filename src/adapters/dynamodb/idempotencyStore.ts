import { IdempotencyItemAlreadyExistsError, IdempotencyItemNotFoundError, IdempotencyRecordStatus } from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import { ConditionalCheckFailedError, type DynamoDocumentClient, type Item } from './documentClient.ts';

const PK_PREFIX = 'IDEMPOTENCY#';
const SK = 'IDEMPOTENCY';

/** The record's attributes (Powertools' names; the expiry is the table's TTL attribute). */
const ATTR = { status: 'status', expiry: 'expiresAt', inProgressExpiry: 'in_progress_expiration', data: 'data', validation: 'validation' } as const;

/**
 * Powertools idempotency records in the single table, through our DynamoDB client: each record is
 * its own item (`pk` = `IDEMPOTENCY#<function>#<hash>`, `sk` = `IDEMPOTENCY`), so records spread
 * over partitions instead of sharing one static partition key, and expire through the table's TTL
 * attribute (`expiresAt`). The writes are Powertools' own protocol: a record may be taken when it
 * does not exist, has expired, or is an in-progress record whose Lambda timed out.
 */
export class SingleTableIdempotencyStore extends BasePersistenceLayer {
  private readonly client: DynamoDocumentClient;
  private readonly tableName: string;

  constructor(options: { tableName: string; client: DynamoDocumentClient }) {
    super();
    this.client = options.client;
    this.tableName = options.tableName;
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const { Item } = await this.client.get({ TableName: this.tableName, Key: keyOf(idempotencyKey), ConsistentRead: true });
    if (!Item) throw new IdempotencyItemNotFoundError();
    return recordOf(Item);
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const item: Item = { ...keyOf(record.idempotencyKey), [ATTR.expiry]: record.expiryTimestamp, [ATTR.status]: record.getStatus() };
    if (record.inProgressExpiryTimestamp !== undefined) item[ATTR.inProgressExpiry] = record.inProgressExpiryTimestamp;
    if (this.isPayloadValidationEnabled() && record.payloadHash !== undefined) item[ATTR.validation] = record.payloadHash;
    const now = Date.now();
    try {
      await this.client.put({
        TableName: this.tableName,
        Item: item,
        // New, expired, or in progress in an invocation that has timed out (its in-progress expiry, in ms, has passed).
        ConditionExpression: 'attribute_not_exists(#pk) OR #expiry < :now OR (#status = :inProgress AND attribute_exists(#inProgressExpiry) AND #inProgressExpiry < :nowMs)',
        ExpressionAttributeNames: { '#pk': 'pk', '#expiry': ATTR.expiry, '#status': ATTR.status, '#inProgressExpiry': ATTR.inProgressExpiry },
        ExpressionAttributeValues: { ':now': now / 1000, ':nowMs': now, ':inProgress': IdempotencyRecordStatus.INPROGRESS },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
    } catch (error) {
      if (error instanceof ConditionalCheckFailedError) {
        throw new IdempotencyItemAlreadyExistsError(`Failed to put record for already existing idempotency key: ${record.idempotencyKey}`, error.item && recordOf(error.item));
      }
      throw error;
    }
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    const names: Record<string, string> = { '#expiry': ATTR.expiry, '#status': ATTR.status };
    const values: Item = { ':expiry': record.expiryTimestamp, ':status': record.getStatus() };
    const sets = ['#expiry = :expiry', '#status = :status'];
    if (record.responseData !== undefined) {
      names['#data'] = ATTR.data;
      values[':data'] = record.responseData;
      sets.push('#data = :data');
    }
    if (this.isPayloadValidationEnabled()) {
      names['#validation'] = ATTR.validation;
      values[':validation'] = record.payloadHash;
      sets.push('#validation = :validation');
    }
    await this.client.update({ TableName: this.tableName, Key: keyOf(record.idempotencyKey), UpdateExpression: `SET ${sets.join(', ')}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values });
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    await this.client.delete({ TableName: this.tableName, Key: keyOf(record.idempotencyKey) });
  }
}

/** Records read back carry the stored (prefixed) key: never prefix twice. */
function keyOf(idempotencyKey: string): Item {
  return { pk: idempotencyKey.startsWith(PK_PREFIX) ? idempotencyKey : `${PK_PREFIX}${idempotencyKey}`, sk: SK };
}

type RecordOptions = ConstructorParameters<typeof IdempotencyRecord>[0];

function recordOf(item: Item): IdempotencyRecord {
  return new IdempotencyRecord({
    idempotencyKey: item.pk as string,
    status: item[ATTR.status] as RecordOptions['status'],
    expiryTimestamp: item[ATTR.expiry] as number | undefined,
    inProgressExpiryTimestamp: item[ATTR.inProgressExpiry] as number | undefined,
    responseData: item[ATTR.data] as RecordOptions['responseData'],
    payloadHash: item[ATTR.validation] as string | undefined,
  });
}
