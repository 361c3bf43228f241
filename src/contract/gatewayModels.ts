import * as z from 'zod';
import { createEntitySchema, patchEntitySchema, replaceEntitySchema } from '../domain/entitySchemas.ts';
import { hasTrim } from './openapiDocument.ts';

/**
 * API Gateway request models (JSON Schema draft 4) for the request bodies, generated from the
 * same zod schemas the handlers validate with. A model keeps only what draft 4 expresses the same
 * way zod checks it — types, required members, enums, no unknown members, at least one member in
 * a patch — and never more: a body the handler accepts must pass the gateway. Everything else
 * (trimmed lengths, control characters, attribute keys, depth and size) stays with the handler,
 * which remains the authority and answers with every field to fix.
 *
 * `npm run openapi` writes them to resources/models/*.json; serverless.yml references them per
 * http event (`request.schemas`), so the packaged template carries them as AWS::ApiGateway::Model.
 */
export const GATEWAY_MODELS = {
  createEntity: { schema: createEntitySchema, title: 'CreateEntityRequest' },
  replaceEntity: { schema: replaceEntitySchema, title: 'ReplaceEntityRequest' },
  patchEntity: { schema: patchEntitySchema, title: 'PatchEntityRequest' },
} as const;
export type GatewayModelName = keyof typeof GATEWAY_MODELS;

const DRAFT_4 = 'http://json-schema.org/draft-04/schema#';

/** Draft-4 keywords a model may keep; everything else zod emits (`pattern`, `format`, `examples`, `id`, …) is dropped. */
const KEEP = new Set(['type', 'properties', 'required', 'additionalProperties', 'enum', 'minLength', 'minimum', 'maximum', 'minProperties', 'maxProperties', 'items', 'minItems', 'maxItems', 'title', 'description', 'default']);

type JsonSchema = { [key: string]: unknown };

function prune(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!KEEP.has(key)) continue;
    if (key === 'properties') {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([name, child]) => [name, prune(child)]));
    } else if (key === 'items' && typeof value === 'object' && value !== null) {
      out[key] = prune(value as JsonSchema);
    } else {
      out[key] = value;
    }
  }
  return out;
}

export function gatewayModel(name: GatewayModelName): JsonSchema {
  const { schema, title } = GATEWAY_MODELS[name];
  const generated = z.toJSONSchema(schema, {
    target: 'draft-04',
    io: 'input',
    // One self-contained schema: no $ref to registered ids (a model can only $ref other models by URL).
    reused: 'inline',
    override: ({ zodSchema, jsonSchema }) => {
      if (hasTrim(zodSchema)) delete jsonSchema.maxLength;
    },
  }) as JsonSchema;
  const definitions = (generated['definitions'] ?? {}) as Record<string, JsonSchema>;
  const ref = typeof generated['$ref'] === 'string' ? generated['$ref'].replace('#/definitions/', '') : undefined;
  const root = ref ? definitions[ref] : generated;
  if (!root) throw new Error(`No root schema for ${name}`);
  const model = { $schema: DRAFT_4, title, ...prune(root) };
  if (JSON.stringify(model).includes('"$ref"')) throw new Error(`The ${name} model would need a $ref; keep it self-contained`);
  return model;
}

export function gatewayModels(): Record<GatewayModelName, JsonSchema> {
  return Object.fromEntries((Object.keys(GATEWAY_MODELS) as GatewayModelName[]).map((name) => [name, gatewayModel(name)])) as Record<GatewayModelName, JsonSchema>;
}
