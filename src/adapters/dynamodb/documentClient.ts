import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoClientOptions {
  readonly region: string;
  /** Set for DynamoDB Local; absent in AWS. */
  readonly endpoint?: string | undefined;
}

/**
 * One client per container. Against a local endpoint the credentials are static placeholders
 * (DynamoDB Local ignores them), so nothing walks the default credential chain.
 */
export function createDynamoClient(options: DynamoClientOptions): DynamoDBClient {
  // The platform's retry policy: 3 retries (4 attempts) with a 2 s per-try timeout on server errors and throttling.
  const config: DynamoDBClientConfig = {
    region: options.region,
    maxAttempts: 4,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 },
  };
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  return new DynamoDBClient(config);
}

/** The document client over `client` (plain JavaScript values in, plain values out). */
export function documentClientFor(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
}

export function createDocumentClient(options: DynamoClientOptions): DynamoDBDocumentClient {
  return documentClientFor(createDynamoClient(options));
}
