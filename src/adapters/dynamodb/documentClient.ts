import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DocumentClientOptions {
  readonly region: string;
  /** Set for DynamoDB Local; absent in AWS. */
  readonly endpoint?: string | undefined;
}

/**
 * One client per container. Against a local endpoint the credentials are static placeholders
 * (DynamoDB Local ignores them), so nothing walks the default credential chain.
 */
export function createDocumentClient(options: DocumentClientOptions): DynamoDBDocumentClient {
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
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
