import { entityPathSchema } from '../../src/domain/entitySchemas.ts';
import { loadIdempotentExecutor } from '../../src/composition/idempotentExecutor.ts';
import { requireAuthorizerPrincipal } from '../../src/identity/requestPrincipal.ts';

/**
 * What PUT, PATCH and DELETE /api/v1/secure/entities/{id} need alike: the authorizer's caller, the
 * entity's id, If-Match, and Idempotency-Key. Not a handler: the three routes spread it.
 */
export const entityWrite = { principal: requireAuthorizerPrincipal, path: entityPathSchema, ifMatch: true, idempotency: loadIdempotentExecutor } as const;
