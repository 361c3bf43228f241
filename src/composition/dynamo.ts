import { createDocumentClient } from '../adapters/dynamodb/documentClient.ts';
import { tracer } from '../observability.ts';
import { settings } from './settings.ts';

/**
 * The container's one DynamoDB client (traced), created at import. A module of its own, so
 * functions that use the table for other items (jobs) do not bundle the entity repository.
 */
export const documentClient = createDocumentClient({ region: settings.AWS_REGION, endpoint: settings.DYNAMODB_ENDPOINT, observer: tracer.awsCallObserver() });
