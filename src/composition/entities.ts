import { randomUUID } from 'node:crypto';
import { createDocumentClient } from '../adapters/dynamodb/documentClient.ts';
import { DynamoEntityRepository } from '../adapters/dynamodb/DynamoEntityRepository.ts';
import { EntityService } from '../domain/entityService.ts';
import { tracer } from '../observability.ts';
import { runtimeSettings, settings } from './identity.ts';
import { once } from './once.ts';

export { accessTokenVerifier } from './identity.ts';

/** Composition root, entity half: one DynamoDB client per container, created at import. */
const documentClient = tracer.captureAWSv3Client(createDocumentClient({ region: settings.AWS_REGION, endpoint: settings.DYNAMODB_ENDPOINT }));

export const entityService: () => Promise<EntityService> = once(async () => {
  const { cursorSigningKey } = await runtimeSettings();
  const repository = new DynamoEntityRepository({ client: documentClient, tableName: settings.ENTITIES_TABLE, cursorSigningKey });
  return new EntityService({ repository, clock: { now: () => new Date() }, ids: { newId: randomUUID } });
});
