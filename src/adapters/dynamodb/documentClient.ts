import { AWS_SERVICES, AwsServiceError, PLATFORM_RETRY_POLICY, platformClient, type AwsJsonClient, type PlatformClientOptions } from '../aws/awsJsonClient.ts';
import type { CredentialProvider } from '../aws/environmentCredentials.ts';
import { fromAttributeMap, toAttributeMap, type AttributeMap } from './attributeValues.ts';

/**
 * The DynamoDB operations the platform uses, with plain JavaScript values in and out (what
 * lib-dynamodb's document client does), over our AWS JSON-protocol client: the request the SDK
 * would send, without the SDK's ~190 KB client at every cold start (README, "Performance").
 * Items, keys, expression values and start keys are converted to attribute values on the way in;
 * items, keys and the items of failed conditions back on the way out (attributeValues.ts).
 */
export type Item = Record<string, unknown>;

interface Expressions {
  readonly ExpressionAttributeNames?: Readonly<Record<string, string>>;
  readonly ExpressionAttributeValues?: Item;
}
interface Conditional extends Expressions {
  readonly ConditionExpression?: string;
  /** `ALL_OLD`: a failed condition carries the item as it was (ConditionalCheckFailedError#item, a cancellation reason's `Item`). */
  readonly ReturnValuesOnConditionCheckFailure?: 'ALL_OLD' | 'NONE';
}

export interface GetInput {
  readonly TableName: string;
  readonly Key: Item;
  readonly ConsistentRead?: boolean;
  readonly ProjectionExpression?: string;
  readonly ExpressionAttributeNames?: Readonly<Record<string, string>>;
}
export interface PutInput extends Conditional {
  readonly TableName: string;
  /** Any plain object (an interface-typed item too). */
  readonly Item: object;
}
export interface UpdateInput extends Conditional {
  readonly TableName: string;
  readonly Key: Item;
  readonly UpdateExpression: string;
  readonly ReturnValues?: 'NONE' | 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW' | 'UPDATED_NEW';
}
export interface DeleteInput extends Conditional {
  readonly TableName: string;
  readonly Key: Item;
}
export interface QueryInput extends Expressions {
  readonly TableName: string;
  readonly IndexName?: string;
  readonly KeyConditionExpression: string;
  readonly FilterExpression?: string;
  readonly ProjectionExpression?: string;
  readonly ScanIndexForward?: boolean;
  readonly ConsistentRead?: boolean;
  readonly Limit?: number;
  readonly ExclusiveStartKey?: Item;
}
export interface ScanInput extends Expressions {
  readonly TableName: string;
  readonly IndexName?: string;
  readonly FilterExpression?: string;
  readonly ProjectionExpression?: string;
  readonly Segment?: number;
  readonly TotalSegments?: number;
  readonly Limit?: number;
  readonly ExclusiveStartKey?: Item;
}
export interface ItemPage {
  readonly Items: Item[];
  readonly Count: number;
  readonly ScannedCount: number;
  readonly LastEvaluatedKey?: Item;
}
export type TransactItem =
  | { readonly Put: PutInput }
  | { readonly Update: UpdateInput }
  | { readonly Delete: DeleteInput }
  | { readonly ConditionCheck: { readonly TableName: string; readonly Key: Item; readonly ConditionExpression: string } & Conditional };

/** Why one item of a cancelled transaction failed (`Code`: `None`, `ConditionalCheckFailed`, `TransactionConflict`, …). */
export interface CancellationReason {
  readonly Code: string;
  readonly Message?: string;
  /** The item as it was, when the item asked for ALL_OLD. */
  readonly Item?: Item;
}

/** The service error's constructor arguments: DynamoDB's own error types carry everything it said. */
function argumentsOf(cause: AwsServiceError): ConstructorParameters<typeof AwsServiceError> {
  return [cause.code, cause.message, cause.statusCode, { requestId: cause.requestId, document: { ...cause.document } }];
}

/** A write's condition did not hold (`ConditionalCheckFailedException`). */
export class ConditionalCheckFailedError extends AwsServiceError {
  /** The item as it was, when the write asked for ALL_OLD and it existed. */
  readonly item: Item | undefined;
  constructor(cause: AwsServiceError) {
    super(...argumentsOf(cause));
    this.item = itemOrUndefined(cause.document.Item);
  }
}

/** A transaction was cancelled (`TransactionCanceledException`); `reasons` has one entry per item, in order. */
export class TransactionCanceledError extends AwsServiceError {
  readonly reasons: readonly CancellationReason[];
  constructor(cause: AwsServiceError) {
    super(...argumentsOf(cause));
    const reasons = Array.isArray(cause.document.CancellationReasons) ? (cause.document.CancellationReasons as { Code?: string; Message?: string; Item?: unknown }[]) : [];
    this.reasons = reasons.map((r) => ({ Code: r.Code ?? 'None', ...(r.Message !== undefined && { Message: r.Message }), ...(r.Item !== undefined && { Item: itemOrUndefined(r.Item) }) }));
  }
}

/** `endpoint` is DynamoDB Local (with placeholder credentials, which it ignores); absent in AWS. */
export interface DynamoClientOptions extends PlatformClientOptions {
  /** In AWS: where the credentials come from (default: the environment, as in Lambda). */
  readonly credentials?: CredentialProvider | undefined;
}

function itemOrUndefined(value: unknown): Item | undefined {
  return value && typeof value === 'object' && Object.keys(value).length > 0 ? fromAttributeMap(value as AttributeMap) : undefined;
}

/** The input with its item-valued members marshalled; everything else as given. */
function wireInput(input: object): Record<string, unknown> {
  const wire: Record<string, unknown> = { ...input };
  for (const member of ['Key', 'Item', 'ExpressionAttributeValues', 'ExclusiveStartKey'] as const) {
    const value = wire[member] as object | undefined;
    if (value !== undefined) wire[member] = toAttributeMap(value);
  }
  return wire;
}

function pageOf(answer: { Items?: AttributeMap[]; Count?: number; ScannedCount?: number; LastEvaluatedKey?: AttributeMap }): ItemPage {
  return {
    Items: (answer.Items ?? []).map(fromAttributeMap),
    Count: answer.Count ?? 0,
    ScannedCount: answer.ScannedCount ?? 0,
    ...(answer.LastEvaluatedKey && { LastEvaluatedKey: fromAttributeMap(answer.LastEvaluatedKey) }),
  };
}

export class DynamoDocumentClient {
  readonly #client: AwsJsonClient;

  constructor(client: AwsJsonClient) {
    this.#client = client;
  }

  async get(input: GetInput): Promise<{ Item?: Item }> {
    const { Item } = await this.#call<{ Item?: AttributeMap }>('GetItem', input);
    return Item ? { Item: fromAttributeMap(Item) } : {};
  }

  async put(input: PutInput): Promise<void> {
    await this.#call('PutItem', input);
  }

  async update(input: UpdateInput): Promise<{ Attributes?: Item }> {
    const { Attributes } = await this.#call<{ Attributes?: AttributeMap }>('UpdateItem', input);
    return Attributes ? { Attributes: fromAttributeMap(Attributes) } : {};
  }

  async delete(input: DeleteInput): Promise<void> {
    await this.#call('DeleteItem', input);
  }

  async query(input: QueryInput): Promise<ItemPage> {
    return pageOf(await this.#call('Query', input));
  }

  async scan(input: ScanInput): Promise<ItemPage> {
    return pageOf(await this.#call('Scan', input));
  }

  /** TransactWriteItems: all or nothing; a cancellation is a TransactionCanceledError with a reason per item. */
  async transactWrite(input: { readonly TransactItems: readonly TransactItem[]; readonly ClientRequestToken?: string }): Promise<void> {
    const TransactItems = input.TransactItems.map((item) => Object.fromEntries(Object.entries(item).map(([kind, operation]) => [kind, wireInput(operation as object)])));
    await this.#send('TransactWriteItems', { ...input, TransactItems });
  }

  /** Closes the pooled connections (tests and scripts). */
  destroy(): void {
    this.#client.destroy();
  }

  /** Calls `operation` with `input`'s item-valued members converted to attribute values. */
  #call<T>(operation: string, input: object): Promise<T> {
    return this.#send<T>(operation, wireInput(input));
  }

  /** Calls `operation` with `input` as it goes on the wire; DynamoDB's condition errors come back as their own types. */
  async #send<T>(operation: string, input: Record<string, unknown>): Promise<T> {
    try {
      return await this.#client.call<T>(operation, input);
    } catch (error) {
      if (error instanceof AwsServiceError && error.code === 'ConditionalCheckFailedException') throw new ConditionalCheckFailedError(error);
      if (error instanceof AwsServiceError && error.code === 'TransactionCanceledException') throw new TransactionCanceledError(error);
      throw error;
    }
  }
}

/**
 * One client per container, with the platform's retry policy (PLATFORM_RETRY_POLICY) on server
 * errors, throttling, timeouts and network errors.
 */
export function createDocumentClient(options: DynamoClientOptions): DynamoDocumentClient {
  return new DynamoDocumentClient(platformClient(AWS_SERVICES.dynamodb, options, PLATFORM_RETRY_POLICY));
}
