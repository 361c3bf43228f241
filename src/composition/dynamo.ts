import { createDynamoDBClient, documentClientOf } from '../adapters/dynamodb/dynamoClient.ts';
import { settings } from './settings.ts';

/**
 * The container's one DynamoDB client (traced), created at import, and the document client over
 * it. A module of its own, so functions that use the table for other items (jobs) do not bundle
 * the entity repository.
 */
export const dynamoDBClient = createDynamoDBClient({ region: settings.AWS_REGION, endpoint: settings.DYNAMODB_ENDPOINT });
export const documentClient = documentClientOf(dynamoDBClient);
