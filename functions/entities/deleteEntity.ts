import { entityService } from '../../src/composition/entities.ts';
import { httpHandler } from '../../src/http/httpHandler.ts';
import { noContent } from '../../src/http/responses.ts';
import { entityWrite } from './entityWrites.ts';

/** DELETE /api/v1/secure/entities/{id} → 204; If-Match pins the version. */
export const handler = httpHandler({ ...entityWrite, countAs: 'EntitiesDeleted' }, async ({ principal, path, expectedVersion }) => {
  await entityService.delete(principal, path.id, expectedVersion);
  return noContent();
});
