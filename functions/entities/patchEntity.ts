import { patchEntitySchema } from '../../src/domain/entitySchemas.ts';
import { entityService } from '../../src/composition/entities.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { entityResponse } from '../../src/http/responses.ts';
import { entityWrite } from './entityWrites.ts';

/** PATCH /api/v1/secure/entities/{id}: a JSON Merge Patch (RFC 7396); If-Match pins the version. */
export const handler = httpHandler(
  { ...entityWrite, body: patchEntitySchema, alsoAccept: ['application/merge-patch+json'], countAs: 'EntitiesUpdated' },
  async ({ principal, path, body, expectedVersion }) => entityResponse(await entityService.patch(principal, path.id, body, expectedVersion)),
);
