import { ConditionalCheckFailedException, TransactionCanceledException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { UNMARSHALL_OPTIONS } from './dynamoClient.ts';

export { ConditionalCheckFailedException, TransactionCanceledException };

export type Item = Record<string, unknown>;

/** Why one item of a cancelled transaction failed (`Code`: `None`, `ConditionalCheckFailed`, `TransactionConflict`, …), with the item as it was when it asked for ALL_OLD. */
export interface CancellationReason {
  readonly Code: string;
  readonly Item?: Item;
}

/**
 * The item a failed condition returned (`ReturnValuesOnConditionCheckFailure: ALL_OLD`). The
 * document client converts results, not errors: an error's item is still in attribute values.
 */
export function conditionFailedItem(error: ConditionalCheckFailedException): Item | undefined {
  return itemOf(error.Item);
}

/** One reason per item of the transaction, in order, items converted. */
export function cancellationReasons(error: TransactionCanceledException): CancellationReason[] {
  return (error.CancellationReasons ?? []).map((reason) => {
    const item = itemOf(reason.Item);
    return { Code: reason.Code ?? 'None', ...(item && { Item: item }) };
  });
}

function itemOf(image: Record<string, AttributeValue> | undefined): Item | undefined {
  return image && Object.keys(image).length > 0 ? unmarshall(image, UNMARSHALL_OPTIONS) : undefined;
}
