import * as z from 'zod/mini';
import { VISIBILITIES, type Attributes } from './entity.ts';
import { ATTRIBUTE_LIMITS, checkAttributes } from './attributes.ts';
import { textProblem } from './text.ts';
import './zodLocale.ts';

// zod/mini (functions and checks instead of methods) keeps the bundles small. `.register(z.globalRegistry, …)`
// (zod's own registry, what classic zod's `.meta()` writes to) documents the schemas for the OpenAPI
// document and the API Gateway models that src/contract generates from these very schemas;
// validation never reads it.

export const entityIdSchema = z
  .uuid({ error: 'must be a UUID, e.g. 3f0c2a1e-8d4b-4c7e-9a51-2b6f0d9e7c10' })
  .register(z.globalRegistry, { description: 'The entity id (a UUID the service assigns).', examples: ['3f0c2a1e-8d4b-4c7e-9a51-2b6f0d9e7c10'] });

export const entityPathSchema = z.object({ id: entityIdSchema }, { error: 'the path needs an entity id' });

export const entityNameSchema = z
  .string({ error: 'name is required and must be a string' })
  .check(
    z.trim(),
    z.normalize('NFC'),
    z.minLength(1, { error: 'name must not be empty or only whitespace' }),
    z.maxLength(255, { error: 'name must be at most 255 characters after trimming' }),
    z.superRefine((s, ctx) => {
      const problem = textProblem(s, 'name');
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `name ${problem}`, input: s });
    }),
  )
  .register(z.globalRegistry, {
    description:
      'Unique within the tenant, compared case-insensitively after trimming and Unicode NFC normalisation (stored in NFC); 1–255 characters after trimming; ' +
      'valid Unicode without control characters or invisible formatting characters (zero-width spaces and joiners, bidirectional controls).',
    examples: ['Blue widget'],
  });

export const visibilitySchema = z
  .enum(VISIBILITIES, { error: 'visibility must be "public" or "private"' })
  .register(z.globalRegistry, { description: '`public` entities are readable by anyone on /api/v1/data; `private` ones only by their tenant.' });

/** An attributes document, or a merge patch of one (where a `null` member means "remove"). */
const attributesSchema = z
  .unknown()
  .check(
    z.superRefine((value, ctx) => {
      for (const issue of checkAttributes(value, [])) {
        ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path.split('/').filter((p) => p !== '') });
      }
    }),
  )
  .register(z.globalRegistry, {
    type: 'object',
    additionalProperties: true,
    description:
      `A JSON object. Keys are plain names (letters, digits, "_", "-"; never __proto__, constructor or prototype); ` +
      `strings are valid Unicode without control characters other than tab and newline; ` +
      `nested at most ${ATTRIBUTE_LIMITS.maxDepth} levels; at most ${ATTRIBUTE_LIMITS.maxSerializedBytes / 1024} KiB serialized. In a PATCH, a null member removes it.`,
    examples: [{ colour: 'blue', size: { h: 2 } }],
  }) as unknown as z.ZodMiniType<Attributes>;

export const createEntitySchema = z.strictObject({
  name: entityNameSchema,
  attributes: z._default(attributesSchema, {}),
  visibility: z._default(visibilitySchema, 'private'),
}).register(z.globalRegistry, { id: 'EntityInput', description: 'The client-owned fields of an entity (POST creates, PUT replaces; omitted fields take their defaults).' });
export type CreateEntityInput = z.output<typeof createEntitySchema>;

/** PUT replaces the whole client-owned representation; omitted optional fields take their defaults. */
export const replaceEntitySchema = createEntitySchema;
export type ReplaceEntityInput = CreateEntityInput;

/** PATCH is a JSON Merge Patch (RFC 7396) of the client-owned representation; `attributes` merge member by member. */
export const patchEntitySchema = z
  .strictObject({
    name: z.optional(entityNameSchema),
    attributes: z.optional(attributesSchema),
    visibility: z.optional(visibilitySchema),
  })
  .check(
    z.refine((p) => p.name !== undefined || p.attributes !== undefined || p.visibility !== undefined, {
      error: 'a patch must change at least one of name, attributes or visibility',
    }),
  )
  .register(z.globalRegistry, { id: 'EntityPatch', minProperties: 1, description: 'A JSON Merge Patch (RFC 7396) of the client-owned fields: at least one of them; in `attributes`, null removes a member.' });
export type PatchEntityInput = z.output<typeof patchEntitySchema>;

export const PAGE_LIMITS = { min: 1, max: 100, default: 20 } as const;

/**
 * The `limit` query parameter (a page or group count), `fallback` when absent. A factory, not a
 * shared schema: `.register` documents the instance, and each query documents its own (or none).
 */
export const limitParamSchema = (min: number, max: number, fallback: number) =>
  z._default(
    z.coerce.number({ error: `limit must be an integer from ${min} to ${max}` }).check(
      z.int({ error: `limit must be an integer from ${min} to ${max}` }),
      z.gte(min, { error: `limit must be at least ${min}` }),
      z.lte(max, { error: `limit must be at most ${max}` }),
    ),
    fallback,
  );

/** The optional `cursor` query parameter: only its size is checked here (the adapter that decodes it checks the rest). A factory, as above. */
export const cursorParamSchema = () => z.optional(z.string().check(z.minLength(1), z.maxLength(2048, { error: 'cursor is too long; pass the nextCursor value unchanged' })));

const pageQuery = {
  limit: limitParamSchema(PAGE_LIMITS.min, PAGE_LIMITS.max, PAGE_LIMITS.default).register(z.globalRegistry, { description: `Page size, ${PAGE_LIMITS.min}–${PAGE_LIMITS.max}.` }),
  cursor: cursorParamSchema().register(z.globalRegistry, { description: "The previous page's `nextCursor`, unchanged. Bound to its query: another query or tenant makes it a 400." }),
};

export const listEntitiesQuerySchema = z.strictObject({ name: z.optional(entityNameSchema), ...pageQuery });

/** One page of anything paged by cursor (e.g. an entity's history). */
export const pageQuerySchema = z.strictObject(pageQuery);
export type PageQuery = z.output<typeof pageQuerySchema>;

export type ListEntitiesQuery = z.output<typeof listEntitiesQuerySchema>;

/** The entity as every response carries it (the domain's `Entity`); the contract's schema, not a validator of input. */
export const entitySchema = z
  .strictObject({
    id: entityIdSchema,
    tenantId: z.string().register(z.globalRegistry, { description: "The owner's tenant (from the access token, never from the request)." }),
    name: z.string().register(z.globalRegistry, { description: 'As stored: trimmed.', examples: ['Blue widget'] }),
    attributes: attributesSchema,
    visibility: visibilitySchema,
    version: z.int().check(z.gte(1)).register(z.globalRegistry, { description: 'Starts at 1 and grows by one per change; the ETag is this number quoted.' }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .register(z.globalRegistry, {
    id: 'Entity',
    examples: [
      {
        id: '3f0c2a1e-8d4b-4c7e-9a51-2b6f0d9e7c10',
        tenantId: 'acme',
        name: 'Blue widget',
        attributes: { colour: 'blue', size: { h: 2 } },
        visibility: 'public',
        version: 1,
        createdAt: '2025-01-31T09:30:00.000Z',
        updatedAt: '2025-01-31T09:30:00.000Z',
      },
    ],
  });

/**
 * The entity as the data API (/api/v1/data) shows it: `tenantId` only for your own tenant's
 * entities; anonymous callers, and other tenants reading public entities, never learn the owner.
 */
export const dataEntitySchema = z
  .extend(z.omit(entitySchema, { tenantId: true }), {
    tenantId: z.optional(z.string()).register(z.globalRegistry, {
      description: "Your tenant, present only on your own tenant's entities: anonymous callers and other tenants never see an entity's owner.",
    }),
  })
  .register(z.globalRegistry, {
    id: 'DataEntity',
    description: 'An entity as the data API shows it: `tenantId` only on entities of your own tenant (never to anonymous callers).',
  });
