import * as z from 'zod';
import { createDocument, type ZodOpenApiObject, type ZodOpenApiOperationObject, type ZodOpenApiResponseObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { DEFAULT_IDEMPOTENCY_TTL_SECONDS } from '../config/config.ts';
import { entityEventSchema } from '../domain/entityEventSchema.ts';
import { jobFileLinkSchema, jobFilePathSchema, jobUploadRequestSchema, jobUploadSchema } from '../domain/jobFileLinks.ts';
import { jobSchema } from '../domain/jobRecord.ts';
import { jobPathSchema, jobRequestSchema } from '../domain/jobRequest.ts';
import { searchParamsSchema, statsParamsSchema } from '../domain/readModelQueries.ts';
import { createEntitySchema, dataEntitySchema, entityPathSchema, entitySchema, listEntitiesQuerySchema, pageQuerySchema, patchEntitySchema, replaceEntitySchema } from '../domain/entitySchemas.ts';
import { SCOPES } from '../domain/principal.ts';
import { dataEntityPageSchema, entityPageSchema, headers, healthSchema, PROBLEM_CONTENT_TYPE, problemSchema } from '../http/responseSchemas.ts';
import { MAX_BODY_BYTES } from '../http/middleware/jsonBody.ts';
import { problemTypeUri, type ProblemType } from '../http/problem.ts';

/**
 * The OpenAPI 3.1 document of the API, generated from the zod schemas the handlers validate with
 * (src/domain/entitySchemas.ts) and the response schemas of src/http/responseSchemas.ts. Build time
 * only: `npm run openapi` writes docs/openapi.json, which the openapi function serves; nothing
 * on a request path imports this module.
 */

export const API_VERSION = '1.0.0';
const BASE = '/api/v1';
export const MERGE_PATCH = 'application/merge-patch+json';

const SECURITY_SCHEME = 'cognito';
type Security = Record<string, string[]>[];
const secure = (scope: string): Security => [{ [SECURITY_SCHEME]: [scope] }];
/** `/data`: anonymous, or a token with entities/read (which adds the caller's private entities). */
const optionalRead: Security = [{}, { [SECURITY_SCHEME]: [SCOPES.read] }];
/** Jobs: a token in the `admin` group (a group, not a scope). */
const adminOnly: Security = [{ [SECURITY_SCHEME]: [] }];

// ---- responses -------------------------------------------------------------------------------

/** Response headers every handler answer carries; gateway answers (401, 413, 429, edge 400) may not. */
const correlated = { 'x-correlation-id': headers.correlationId };
const mayBeCorrelated = { 'x-correlation-id': z.optional(headers.correlationId) };

function problem(
  id: string,
  description: string,
  types: readonly (ProblemType | 'throttled' | 'bad-request')[],
  options: { fromGateway?: boolean; headers?: Record<string, z.core.$ZodType> } = {},
): ZodOpenApiResponseObject {
  const kinds = types.map((t) => `\`${problemTypeUri(t as ProblemType)}\``).join(', ');
  return {
    id,
    description: `${description} (problem type ${kinds}).`,
    headers: z.object({ ...(options.fromGateway ? mayBeCorrelated : correlated), ...options.headers }),
    content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } },
  };
}

const challenge = { 'WWW-Authenticate': headers.wwwAuthenticate };
const replayed = { 'Idempotent-Replayed': z.optional(headers.idempotentReplayed) };

/** The error responses, each registered once under components/responses. */
const errors = {
  invalidPath: problem('InvalidPath', 'The id is not a UUID; `errors` names it', ['validation']),
  invalidQuery: problem('InvalidQuery', 'Invalid query (limit, cursor or name): `errors` lists every parameter to fix', ['validation']),
  invalidWrite: problem(
    'InvalidWrite',
    'Invalid body, path or header: `errors` lists every field to fix. The body is not JSON (`malformed-json`); or API Gateway rejected it against its model first (`bad-request`, without `errors`)',
    ['validation', 'malformed-json', 'bad-request'],
    { fromGateway: true, headers: replayed },
  ),
  unauthenticated: problem('Unauthenticated', 'Missing, invalid or expired access token', ['unauthenticated'], { fromGateway: true, headers: challenge }),
  forbiddenRead: problem('ForbiddenRead', `The access token lacks the \`${SCOPES.read}\` scope`, ['forbidden'], { headers: challenge }),
  forbiddenWrite: problem('ForbiddenWrite', `The access token lacks the \`${SCOPES.write}\` scope`, ['forbidden'], { headers: { ...challenge, ...replayed } }),
  notAdmin: problem('NotAdmin', 'The access token is not in the `admin` group', ['forbidden'], { headers: { ...challenge, ...replayed } }),
  notFound: problem('NotFound', "No such entity — or another tenant's (never 403)", ['not-found'], { headers: replayed }),
  methodNotAllowed: problem('MethodNotAllowed', 'The resource does not support this method; `Allow` lists the ones it does', ['method-not-allowed'], { headers: { Allow: headers.allow } }),
  conflict: problem(
    'Conflict',
    'The name is taken in your tenant (`conflictingEntityId` names the holder), or a request with this Idempotency-Key is still in progress (wait `Retry-After` seconds and retry)',
    ['conflict'],
    { headers: { 'Retry-After': z.optional(headers.retryAfter), ...replayed } },
  ),
  preconditionFailed: problem('PreconditionFailed', 'If-Match names a version that is not current (someone changed the entity in between), or can never match', ['precondition-failed'], { headers: replayed }),
  payloadTooLarge: problem('PayloadTooLarge', `The body is over ${MAX_BODY_BYTES / 1024} KiB`, ['payload-too-large'], { fromGateway: true }),
  notJson: problem('UnsupportedMediaType', `The body is not application/json (or, for PATCH, ${MERGE_PATCH})`, ['unsupported-media-type']),
  keyReused: problem('IdempotencyKeyReused', 'This Idempotency-Key was already used for a different request (method, path, body or If-Match); use a new key', ['unprocessable']),
  throttled: problem('Throttled', 'Throttled by API Gateway: retry after a short, jittered delay', ['throttled'], { fromGateway: true }),
  internal: problem('InternalError', 'The service failed; nothing internal is exposed: quote the correlationId', ['internal'], { fromGateway: true }),
} as const;

/** Every operation can meet these. */
const always = { 405: errors.methodNotAllowed, 429: errors.throttled, 500: errors.internal } as const;

const entityHeaders = (extra: Record<string, z.core.$ZodType> = {}) => z.object({ ...correlated, ETag: headers.etag, 'Cache-Control': headers.cacheControl, ...extra });

function entityOk(description: string, extra: Record<string, z.core.$ZodType> = {}, schema: z.core.$ZodType = entitySchema): ZodOpenApiResponseObject {
  return { description, headers: entityHeaders(extra), content: { 'application/json': { schema } } };
}

const notModified: ZodOpenApiResponseObject = {
  description: 'Not modified: your copy (If-None-Match) is current.',
  headers: z.object({ ...correlated, ETag: headers.etag, 'Cache-Control': headers.cacheControl }),
};

// ---- parameters ------------------------------------------------------------------------------

const correlationParam = { 'x-correlation-id': z.optional(headers.correlationId) };
const writeHeaders = (conditional: boolean) =>
  z.object({ ...correlationParam, 'Idempotency-Key': z.optional(headers.idempotencyKey), ...(conditional && { 'If-Match': z.optional(headers.ifMatch) }) });

const entityPath = entityPathSchema;

// ---- operations ------------------------------------------------------------------------------

function getEntity(channel: 'data' | 'secure'): ZodOpenApiOperationObject {
  const data = channel === 'data';
  return {
    operationId: data ? 'getPublicEntity' : 'getEntity',
    tags: [data ? 'data' : 'entities'],
    summary: data ? 'Read a public entity (or one of your tenant with a token)' : "Read one of your tenant's entities",
    security: data ? optionalRead : secure(SCOPES.read),
    requestParams: { path: entityPath, header: z.object({ ...correlationParam, 'If-None-Match': z.optional(headers.ifNoneMatch) }) },
    responses: {
      200: data ? entityOk("The entity (`tenantId` only if it is your tenant's).", { 'X-Cache': z.optional(headers.xCache) }, dataEntitySchema) : entityOk('The entity.'),
      304: notModified,
      400: errors.invalidPath,
      401: errors.unauthenticated,
      403: errors.forbiddenRead,
      404: errors.notFound,
      ...always,
    },
  };
}

function listEntities(channel: 'data' | 'secure'): ZodOpenApiOperationObject {
  const data = channel === 'data';
  return {
    operationId: data ? 'listPublicEntities' : 'listEntities',
    tags: [data ? 'data' : 'entities'],
    summary: data ? 'List or look up public entities (and your private ones with a token)' : "List or look up your tenant's entities",
    description:
      'Oldest first. `name` looks one entity up (case-insensitive, trimmed). Pages: pass `nextCursor` back unchanged as `cursor`; cursors are signed and bound to the query.' +
      (data ? ' An invalid token is a 401, never an anonymous read.' : ''),
    security: data ? optionalRead : secure(SCOPES.read),
    requestParams: { query: listEntitiesQuerySchema, header: z.object(correlationParam) },
    responses: {
      200: {
        description: 'A page of entities.',
        headers: z.object({ ...correlated, 'Cache-Control': headers.cacheControl, ...(data && { 'X-Cache': z.optional(headers.xCache) }) }),
        content: { 'application/json': { schema: data ? dataEntityPageSchema : entityPageSchema } },
      },
      400: errors.invalidQuery,
      401: errors.unauthenticated,
      403: errors.forbiddenRead,
      ...always,
    },
  };
}

const jsonBody = (schema: z.core.$ZodType, example: unknown) => ({ schema, examples: { example: { value: example } } });
const writeResponses = (extra: ZodOpenApiResponsesObject): ZodOpenApiResponsesObject => ({
  ...extra,
  400: errors.invalidWrite,
  401: errors.unauthenticated,
  403: errors.forbiddenWrite,
  422: errors.keyReused,
  ...always,
});

const readModelFreshness = z
  .object({ newestUpdatedAt: z.iso.datetime().nullable().meta({ description: 'The newest change the read model has applied for your tenant (null: none yet).' }) })
  .meta({ id: 'ReadModelFreshness' });

const operations = {
  health: {
    operationId: 'health',
    tags: ['health'],
    summary: 'Liveness of the service',
    security: [{}],
    requestParams: { header: z.object(correlationParam) },
    responses: {
      200: { description: 'Alive.', headers: z.object({ ...correlated, 'Cache-Control': headers.cacheControl }), content: { 'application/json': { schema: healthSchema } } },
      ...always,
    },
  },
  openapi: {
    operationId: 'openapiDocument',
    tags: ['reference'],
    summary: 'This document (OpenAPI 3.1)',
    security: [{}],
    requestParams: { header: z.object(correlationParam) },
    responses: {
      200: {
        description: 'The OpenAPI document; static, cacheable for an hour.',
        headers: z.object({ ...correlated, 'Cache-Control': headers.cacheControl }),
        content: { 'application/json': { schema: z.looseObject({ openapi: z.string() }).meta({ description: 'An OpenAPI 3.1 document.' }) } },
      },
      ...always,
    },
  },
  docs: {
    operationId: 'referencePage',
    tags: ['reference'],
    summary: 'A readable reference of this API (HTML, no external assets)',
    security: [{}],
    requestParams: { header: z.object(correlationParam) },
    responses: {
      200: {
        description: 'The reference page; static, cacheable for an hour.',
        headers: z.object({ ...correlated, 'Cache-Control': headers.cacheControl }),
        content: { 'text/html': { schema: z.string() } },
      },
      ...always,
    },
  },
  createEntity: {
    operationId: 'createEntity',
    tags: ['entities'],
    summary: 'Create an entity',
    description: `Send an \`Idempotency-Key\` to retry safely: the outcome (2xx or 4xx) is kept for ${DEFAULT_IDEMPOTENCY_TTL_SECONDS / 3600} hours and replayed with \`Idempotent-Replayed: true\`.`,
    security: secure(SCOPES.write),
    requestParams: { header: writeHeaders(false) },
    requestBody: {
      required: true,
      content: { 'application/json': jsonBody(createEntitySchema, { name: 'Blue widget', attributes: { colour: 'blue', size: { h: 2 } }, visibility: 'public' }) },
    },
    responses: writeResponses({
      201: entityOk('Created.', { Location: headers.location, ...replayed }),
      409: errors.conflict,
      413: errors.payloadTooLarge,
      415: errors.notJson,
    }),
  },
  replaceEntity: {
    operationId: 'replaceEntity',
    tags: ['entities'],
    summary: 'Replace name, attributes and visibility',
    description: 'Omitted optional fields take their defaults. `If-Match` makes the write conditional.',
    security: secure(SCOPES.write),
    requestParams: { path: entityPath, header: writeHeaders(true) },
    requestBody: { required: true, content: { 'application/json': jsonBody(replaceEntitySchema, { name: 'Red widget', attributes: { colour: 'red' }, visibility: 'public' }) } },
    responses: writeResponses({
      200: entityOk('Replaced.', replayed),
      404: errors.notFound,
      409: errors.conflict,
      412: errors.preconditionFailed,
      413: errors.payloadTooLarge,
      415: errors.notJson,
    }),
  },
  patchEntity: {
    operationId: 'patchEntity',
    tags: ['entities'],
    summary: 'Change some fields (JSON Merge Patch, RFC 7396)',
    description: 'Members present replace; in `attributes` members merge one by one and `null` removes one. `If-Match` makes the write conditional.',
    security: secure(SCOPES.write),
    requestParams: { path: entityPath, header: writeHeaders(true) },
    requestBody: {
      required: true,
      content: {
        [MERGE_PATCH]: jsonBody(patchEntitySchema, { attributes: { colour: null, tags: ['new'] } }),
        'application/json': jsonBody(patchEntitySchema, { name: 'Renamed widget' }),
      },
    },
    responses: writeResponses({
      200: entityOk('Patched.', replayed),
      404: errors.notFound,
      409: errors.conflict,
      412: errors.preconditionFailed,
      413: errors.payloadTooLarge,
      415: errors.notJson,
    }),
  },
  entityHistory: {
    operationId: 'getEntityHistory',
    tags: ['entities'],
    summary: "An entity's changes, newest first",
    description:
      'Every `EntityCreated`, `EntityUpdated` and `EntityDeleted` event of the entity (the same envelopes the event bus carries), deleted entities included. ' +
      'The trail is written from the event stream, so it trails a write by the event latency (about a second). No trail for your tenant is a 404.',
    security: secure(SCOPES.read),
    requestParams: { path: entityPath, query: pageQuerySchema, header: z.object(correlationParam) },
    responses: {
      200: {
        description: 'A page of entity events.',
        headers: z.object({ ...correlated, 'Cache-Control': headers.cacheControl }),
        content: { 'application/json': { schema: z.object({ items: z.array(entityEventSchema.check(z.meta({ id: 'EntityEvent' }))), nextCursor: z.string().nullable() }).meta({ id: 'EntityEventPage' }) } },
      },
      400: errors.invalidQuery,
      401: errors.unauthenticated,
      403: errors.forbiddenRead,
      404: errors.notFound,
      ...always,
    },
  },
  searchEntities: {
    operationId: 'searchEntities',
    tags: ['entities'],
    summary: "Search your tenant's entities (read model)",
    description:
      'Served from the PostgreSQL read model: `q` matches names (case-insensitive substring), and any number (up to 10) of `attr.<key>=<value>` parameters filter by attribute ' +
      '(JSON containment; nested keys with dots, e.g. `attr.size.h=2`; numbers, `true`, `false`, `null` as themselves, `"42"` for the string). ' +
      '`readModel.newestUpdatedAt` says how fresh the read model is: it trails writes by the event latency.',
    security: secure(SCOPES.read),
    requestParams: { query: searchParamsSchema, header: z.object(correlationParam) },
    responses: {
      200: {
        description: 'A page of matching entities, and the read model freshness.',
        headers: z.object({ ...correlated, 'Cache-Control': headers.cacheControl }),
        content: { 'application/json': { schema: z.object({ items: z.array(entitySchema), nextCursor: z.string().nullable(), readModel: readModelFreshness }).meta({ id: 'SearchPage' }) } },
      },
      400: errors.invalidQuery,
      401: errors.unauthenticated,
      403: errors.forbiddenRead,
      ...always,
    },
  },
  entityStats: {
    operationId: 'entityStats',
    tags: ['entities'],
    summary: "Count your tenant's entities per attribute value (read model)",
    description: 'Largest groups first; `null` groups the entities without the attribute. `readModel.newestUpdatedAt` says how fresh the read model is.',
    security: secure(SCOPES.read),
    requestParams: { query: statsParamsSchema, header: z.object(correlationParam) },
    responses: {
      200: {
        description: 'Counts per value.',
        headers: z.object({ ...correlated, 'Cache-Control': headers.cacheControl }),
        content: {
          'application/json': {
            schema: z
              .object({
                groupBy: z.string(),
                total: z.int().min(0),
                buckets: z.array(z.object({ value: z.unknown().meta({ description: 'The attribute value (any JSON value)' }), count: z.int().min(0) })),
                distinctValues: z.int().min(0),
                readModel: readModelFreshness,
              })
              .meta({ id: 'EntityStats' }),
          },
        },
      },
      400: errors.invalidQuery,
      401: errors.unauthenticated,
      403: errors.forbiddenRead,
      ...always,
    },
  },
  createJob: {
    operationId: 'createJob',
    tags: ['jobs'],
    summary: 'Start a bulk job for your tenant (admin group)',
    description:
      'Records the job (QUEUED) and starts the worker on ECS Fargate (Spot, falling back to on-demand): an `import` of an NDJSON or CSV file, an `export` as NDJSON, or a `rebuild-read-model`. ' +
      'Files are in the jobs bucket under your tenant: `imports/<tenant>/…`, `exports/<tenant>/…`, `rejects/<tenant>/…`. Poll the `Location` for its progress. ' +
      `Send an \`Idempotency-Key\` to retry safely (kept ${DEFAULT_IDEMPOTENCY_TTL_SECONDS / 3600} hours).`,
    security: adminOnly,
    requestParams: { header: writeHeaders(false) },
    requestBody: { required: true, content: { 'application/json': jsonBody(jobRequestSchema, { kind: 'import', source: 's3://entity-platform-dev-jobs-1a2b3c/imports/acme/catalogue.ndjson' }) } },
    responses: {
      ...writeResponses({
        202: {
          description: 'The job, recorded and its task started.',
          headers: z.object({ ...correlated, Location: headers.location, 'Cache-Control': headers.cacheControl, ...replayed }),
          content: { 'application/json': { schema: jobSchema } },
        },
        409: errors.conflict,
        413: errors.payloadTooLarge,
        415: errors.notJson,
      }),
      /** Admin group, not a scope. */
      403: errors.notAdmin,
    },
  },
  getJob: {
    operationId: 'getJob',
    tags: ['jobs'],
    summary: "A job's status (admin group)",
    description: 'State, counts, the rejects location and the last checkpoint, as the worker records them. Another tenant\'s job is a 404.',
    security: adminOnly,
    requestParams: { path: jobPathSchema, header: z.object(correlationParam) },
    responses: {
      200: { description: 'The job.', headers: z.object({ ...correlated, 'Cache-Control': headers.cacheControl }), content: { 'application/json': { schema: jobSchema } } },
      400: problem('InvalidJobPath', 'The id is not a job id; `errors` names it', ['validation']),
      401: errors.unauthenticated,
      403: errors.notAdmin,
      404: problem('JobNotFound', "No such job — or another tenant's (never 403)", ['not-found']),
      ...always,
    },
  },
  createJobUpload: {
    operationId: 'createJobUpload',
    tags: ['jobs'],
    summary: 'Where to upload an import file (admin group)',
    description:
      'Answers a pre-signed S3 `PUT` URL (15 minutes) for a new object under `imports/<your tenant>/` of the jobs bucket, the headers the upload must send, and the `source` to start the import with. ' +
      'The browser uploads the file straight to S3; the bucket allows the console\'s origin (CORS).',
    security: adminOnly,
    requestParams: { header: z.object(correlationParam) },
    requestBody: { required: true, content: { 'application/json': jsonBody(jobUploadRequestSchema, { fileName: 'catalogue.ndjson' }) } },
    responses: {
      201: { description: 'The upload URL and the source.', headers: z.object({ ...correlated, 'Cache-Control': headers.cacheControl }), content: { 'application/json': { schema: jobUploadSchema } } },
      400: errors.invalidWrite,
      401: errors.unauthenticated,
      403: errors.notAdmin,
      413: errors.payloadTooLarge,
      415: errors.notJson,
      ...always,
    },
  },
  getJobFile: {
    operationId: 'getJobFile',
    tags: ['jobs'],
    summary: "A download link for a job's file (admin group)",
    description:
      '`export`: a SUCCEEDED export\'s NDJSON; `rejects`: a finished import\'s rejected lines (one JSON object per line: `line`, `reason`, `errors`). A pre-signed S3 `GET` URL, valid 15 minutes. ' +
      "A job without such a file, or another tenant's job, is a 404.",
    security: adminOnly,
    requestParams: { path: jobFilePathSchema, header: z.object(correlationParam) },
    responses: {
      200: { description: 'The link.', headers: z.object({ ...correlated, 'Cache-Control': headers.cacheControl }), content: { 'application/json': { schema: jobFileLinkSchema } } },
      400: problem('InvalidJobFilePath', 'The id is not a job id, or the file is not `export` or `rejects`; `errors` names it', ['validation']),
      401: errors.unauthenticated,
      403: errors.notAdmin,
      404: problem('JobFileNotFound', "No such job (or another tenant's), or the job has no such file", ['not-found']),
      ...always,
    },
  },
  deleteEntity: {
    operationId: 'deleteEntity',
    tags: ['entities'],
    summary: 'Delete an entity (and free its name)',
    security: secure(SCOPES.write),
    requestParams: { path: entityPath, header: writeHeaders(true) },
    responses: writeResponses({
      204: { description: 'Deleted.', headers: z.object({ ...correlated, ...replayed }) },
      404: errors.notFound,
      409: errors.conflict,
      412: errors.preconditionFailed,
    }),
  },
} satisfies Record<string, ZodOpenApiOperationObject>;

export function openApiSpec(): ZodOpenApiObject {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Entity platform API',
      version: API_VERSION,
      summary: 'Multi-tenant named entities with free-form JSON attributes.',
      description:
        'Every error is `application/problem+json` (RFC 9457). Every response carries `x-correlation-id`. ' +
        '`ETag` is the entity version; `If-Match` makes writes conditional and `If-None-Match` makes reads conditional. ' +
        'Send `Idempotency-Key` on writes to retry safely.',
    },
    servers: [
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com/{stage}',
        description: 'A deployed stage (`sls deploy --stage <stage>`)',
        variables: { apiId: { default: 'abc123' }, region: { default: 'eu-west-1' }, stage: { default: 'dev' } },
      },
      { url: 'http://127.0.0.1:3000', description: 'The local stack (`npm start`)' },
    ],
    tags: [
      { name: 'entities', description: "Your tenant's entities (`/secure`: a token is required)." },
      { name: 'jobs', description: 'Bulk import, export and read-model rebuild on the worker (admin group of your tenant).' },
      { name: 'data', description: 'Public entities (`/data`: a token is optional and adds your private ones).' },
      { name: 'health' },
      { name: 'reference' },
    ],
    paths: {
      [`${BASE}/health`]: { get: operations.health },
      [`${BASE}/openapi.json`]: { get: operations.openapi },
      [`${BASE}/docs`]: { get: operations.docs },
      [`${BASE}/data/entities`]: { get: listEntities('data') },
      [`${BASE}/data/entities/{id}`]: { get: getEntity('data') },
      [`${BASE}/secure/entities`]: { get: listEntities('secure'), post: operations.createEntity },
      [`${BASE}/secure/entities/{id}`]: { get: getEntity('secure'), put: operations.replaceEntity, patch: operations.patchEntity, delete: operations.deleteEntity },
      [`${BASE}/secure/entities/{id}/history`]: { get: operations.entityHistory },
      [`${BASE}/secure/entities/search`]: { get: operations.searchEntities },
      [`${BASE}/secure/entities/stats`]: { get: operations.entityStats },
      [`${BASE}/secure/jobs`]: { post: operations.createJob },
      [`${BASE}/secure/jobs/{id}`]: { get: operations.getJob },
      [`${BASE}/secure/jobs/uploads`]: { post: operations.createJobUpload },
      [`${BASE}/secure/jobs/{id}/files/{file}`]: { get: operations.getJobFile },
    },
    components: {
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: 'oauth2',
          description:
            'A Cognito access token (`Authorization: Bearer <token>`) carrying the `tenant_id` claim. People sign in with the authorization code flow (PKCE); services use client credentials. ' +
            'The token URLs are on your user pool domain (the stack output `TokenEndpoint`); the host below is a placeholder.',
          flows: {
            authorizationCode: {
              authorizationUrl: 'https://your-domain.auth.eu-west-1.amazoncognito.com/oauth2/authorize',
              tokenUrl: 'https://your-domain.auth.eu-west-1.amazoncognito.com/oauth2/token',
              scopes: { [SCOPES.read]: 'Read entities', [SCOPES.write]: 'Create, change and delete entities' },
            },
            clientCredentials: {
              tokenUrl: 'https://your-domain.auth.eu-west-1.amazoncognito.com/oauth2/token',
              scopes: { [SCOPES.read]: 'Read entities', [SCOPES.write]: 'Create, change and delete entities' },
            },
          },
        },
      },
    },
  };
}

/** The document as JSON-serializable data. */
export function buildOpenApiDocument(): Record<string, unknown> {
  return createDocument(openApiSpec(), {
    // Request schemas describe what a client may send: a trimmed name may carry surrounding
    // whitespace past 255 characters, so its maxLength holds for responses only.
    override: ({ jsonSchema, zodSchema, io }) => {
      if (io === 'input' && hasTrim(zodSchema)) delete jsonSchema.maxLength;
    },
  }) as unknown as Record<string, unknown>;
}

/** Whether a zod string schema trims its input (`.trim()` is an overwrite check). */
export function hasTrim(schema: unknown): boolean {
  const checks = (schema as { _zod?: { def?: { checks?: { _zod?: { def?: { check?: string } } }[] } } })._zod?.def?.checks ?? [];
  return checks.some((c) => c._zod?.def?.check === 'overwrite');
}
