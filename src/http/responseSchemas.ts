import * as z from 'zod/mini';
import { dataEntitySchema, entitySchema } from '../domain/entitySchemas.ts';
import { PROBLEMS, PROBLEM_CONTENT_TYPE, problemTypeUri } from './problem.ts';

// The HTTP side of the contract as zod schemas: what responses carry (problem+json, pages, the
// health body) and the headers of requests and responses. src/contract turns these and the
// domain's entity schemas into the OpenAPI document and the API Gateway models; the handlers
// build their responses with src/http/responses.ts and problem.ts, which these describe.

export { PROBLEM_CONTENT_TYPE };

export const fieldIssueSchema = z
  .strictObject({
    path: z.string().register(z.globalRegistry, { description: 'JSON Pointer-like path to the field to fix, e.g. `/attributes/colour`; `/` for the whole body.', examples: ['/name'] }),
    message: z.string().register(z.globalRegistry, { description: 'What is wrong and how to fix it.' }),
  })
  .register(z.globalRegistry, { id: 'FieldIssue' });

/** RFC 9457 problem details, as the handlers (src/http/problem.ts) and the gateway responses (resources/api-gateway.yml) render them. */
export const problemSchema = z
  .strictObject({
    type: z
      .string()
      .check(z.regex(/^urn:entity-platform:problem:[a-z-]+$/))
      .register(z.globalRegistry, { description: 'A stable identifier to switch on.', examples: [problemTypeUri('not-found')] }),
    title: z.string(),
    status: z.optional(z.int().check(z.gte(400), z.lte(599))).register(z.globalRegistry, { description: "The HTTP status. Always present in the service's answers; absent only from API Gateway's catch-all answers (any other 4xx or 5xx)." }),
    detail: z.string().register(z.globalRegistry, { description: 'What went wrong for this request and what to do about it.' }),
    instance: z.optional(z.string()).register(z.globalRegistry, { description: 'The request path.' }),
    errors: z.optional(z.array(fieldIssueSchema)).register(z.globalRegistry, { description: 'Every invalid field (400 validation problems).' }),
    correlationId: z.optional(z.string()).register(z.globalRegistry, { description: 'Quote it when reporting a problem; the same value as the x-correlation-id header.' }),
    conflictingEntityId: z.optional(z.uuid()).register(z.globalRegistry, { description: 'On a 409 for a taken name: the entity that holds the name.' }),
  })
  .register(z.globalRegistry, {
    id: 'Problem',
    description: 'An RFC 9457 problem (application/problem+json).',
    examples: [
      {
        type: problemTypeUri('validation'),
        title: PROBLEMS.validation.title,
        status: 400,
        detail: 'The request body is invalid.',
        instance: '/api/v1/secure/entities',
        errors: [{ path: '/name', message: 'name must not be empty or only whitespace' }],
        correlationId: 'c0ffee00-0000-4000-8000-000000000001',
      },
    ],
  });
export type ProblemDocument = z.output<typeof problemSchema>;

export const entityPageSchema = z
  .strictObject({
    items: z.array(entitySchema),
    nextCursor: z.nullable(z.string()).register(z.globalRegistry, { description: 'Pass it back unchanged as `cursor` for the next page; null on the last page.' }),
  })
  .register(z.globalRegistry, { id: 'EntityPage', description: 'One page of entities, oldest first.' });

export const dataEntityPageSchema = z
  .strictObject({
    items: z.array(dataEntitySchema),
    nextCursor: z.nullable(z.string()).register(z.globalRegistry, { description: 'Pass it back unchanged as `cursor` for the next page; null on the last page.' }),
  })
  .register(z.globalRegistry, { id: 'DataEntityPage', description: 'One page of entities as the data API shows them (`tenantId` only on your own), oldest first.' });

export const healthSchema = z.strictObject({ status: z.literal('ok'), stage: z.string() }).register(z.globalRegistry, { id: 'Health' });

/** Header values, each documented once. */
export const headers = {
  correlationId: z
    .string()
    .check(z.regex(/^[\w.:@/+=-]{1,128}$/))
    .register(z.globalRegistry, { description: 'Echoed when well-formed (1–128 of letters, digits and `_.:@/+=-`); otherwise the request id.', examples: ['trace-abc-123'] }),
  etag: z.string().check(z.regex(/^"\d+"$/)).register(z.globalRegistry, { description: "The entity's version, quoted.", examples: ['"3"'] }),
  ifMatch: z.string().register(z.globalRegistry, {
    description: 'An ETag from a previous response: the write applies only to that version (else 412). Without it the write applies to the current version. `*` pins nothing.',
    examples: ['"3"'],
  }),
  ifNoneMatch: z.string().register(z.globalRegistry, { description: "Your copy's ETag(s): 304 when still current.", examples: ['"3"'] }),
  idempotencyKey: z
    .string()
    .check(z.regex(/^[\x20-\x7e]{1,255}$/))
    .register(z.globalRegistry, {
      description: 'One key per logical operation (a UUID): a retry with the same key and request gets the kept outcome (24 h), marked `Idempotent-Replayed: true`; the same key with another request is a 422.',
      examples: ['5b0c7a52-7f1e-4c55-9d59-2a5a1f0b9e11'],
    }),
  idempotentReplayed: z.literal('true').register(z.globalRegistry, { description: 'Present on a replayed outcome of an Idempotency-Key.' }),
  retryAfter: z.string().check(z.regex(/^\d+$/)).register(z.globalRegistry, { description: 'Seconds to wait before retrying (a request with this Idempotency-Key is in progress).', examples: ['1'] }),
  location: z.string().register(z.globalRegistry, { description: 'The new entity.', examples: ['/api/v1/secure/entities/3f0c2a1e-8d4b-4c7e-9a51-2b6f0d9e7c10'] }),
  cacheControl: z.string().register(z.globalRegistry, { examples: ['private, no-cache'] }),
  xCache: z.enum(['HIT', 'MISS']).register(z.globalRegistry, { description: 'Whether the read-through cache answered (HIT) or the table did (MISS); set on /api/v1/data reads that the service caches (entities by id, first pages of name lookups).' }),
  allow: z.string().register(z.globalRegistry, { description: 'The methods the resource supports.', examples: ['GET, PUT, PATCH, DELETE'] }),
  wwwAuthenticate: z.string().register(z.globalRegistry, { description: 'RFC 6750 challenge.', examples: ['Bearer realm="entity-platform", error="invalid_token"'] }),
} as const;
