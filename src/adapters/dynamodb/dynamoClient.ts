import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { awsClientConfig, instrumented, type AwsClientOptions } from '../aws/clientConfig.ts';

export type { DynamoDBClient, DynamoDBDocumentClient };

/**
 * The container's DynamoDB client: lib-dynamodb's document client over a traced DynamoDBClient
 * with the platform's retries and timeouts (../aws/clientConfig.ts). Marshalling, chosen on purpose:
 * - `removeUndefinedValues`: an optional member left `undefined` is omitted, as JSON would;
 * - no `convertEmptyValues`: an empty string or set is stored as it is (DynamoDB allows them);
 * - no `convertClassInstanceToMap`: items are plain objects; a class instance (a Date) is a bug
 *   and fails loudly instead of being written as whatever its fields are;
 * - numbers: every number that reaches this client is exactly the decimal its caller sent (the
 *   HTTP layer and the import refuse a JSON number that parsing would round, with a 400;
 *   domain/exactNumbers.ts), so it is written as the double's shortest decimal form, large ones
 *   included (`allowImpreciseNumbers`: the SDK's guard against numbers that were rounded before
 *   they reached it, which ours were not); and read back as a double (`wrapNumbers` as a function:
 *   not the SDK's default BigInt for large integers, which JSON cannot serialise). A value another
 *   tool wrote with more digits than a double holds reads as the nearest double.
 */
export function documentClientOf(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false, convertClassInstanceToMap: false, allowImpreciseNumbers: true },
    // A copy: lib-dynamodb writes `convertWithoutMapWrapper` into the options object it is given.
    unmarshallOptions: { ...UNMARSHALL_OPTIONS },
  });
}

/**
 * How every item is read back, by the document client and by whatever unmarshalls an image itself
 * (stream records, a cancelled transaction's items): numbers as doubles, never the BigInt the
 * SDK's default makes of a large integer, which JSON cannot serialise (a stream record holding one
 * would fail the publisher on every retry).
 */
export const UNMARSHALL_OPTIONS: Readonly<{ wrapNumbers: (value: string) => number }> = Object.freeze({ wrapNumbers: Number });

/** The traced DynamoDBClient underneath (Powertools idempotency sends its own commands through it). */
export function createDynamoDBClient(options: AwsClientOptions): DynamoDBClient {
  return instrumented(new DynamoDBClient(awsClientConfig(options)));
}

/** A document client over a client of its own (the worker, scripts, tests). */
export function createDocumentClient(options: AwsClientOptions): DynamoDBDocumentClient {
  return documentClientOf(createDynamoDBClient(options));
}
