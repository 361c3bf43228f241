import { replaceEntitySchema } from '../../src/domain/entitySchemas.ts';
import { entityService } from '../../src/composition/entities.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { entityResponse } from '../../src/http/responses.ts';
import { entityWrite } from './entityWrites.ts';

/** PUT /api/v1/secure/entities/{id}: replaces name, attributes and visibility; If-Match pins the version. */
export const handler = httpHandler({ ...entityWrite, body: replaceEntitySchema, countAs: 'EntitiesUpdated' }, async ({ principal, path, body, expectedVersion }) =>
  entityResponse(await entityService.replace(principal, path.id, body, expectedVersion)),
);
