import * as z from 'zod/mini';
import { firstInexactNumber, inexactNumberMessage } from './exactNumbers.ts';
import { createEntitySchema, entityNameSchema, visibilitySchema } from './entitySchemas.ts';
import { textProblem } from './text.ts';
import type { FieldIssue } from './errors.ts';
import './zodLocale.ts';

/**
 * The inbound legacy message (docs/legacy-bridge.md; JSON Schema in docs/legacy-inbound-message.schema.json):
 * one JSON object per message, one per line in files. `op` defaults to `upsert`; `version` is the
 * source's own integer version of the record (a higher one supersedes a lower one). An upsert
 * carries the entity's client-owned fields exactly as the API's POST/PUT body does.
 */
export const LEGACY_SCHEMA_NAME = 'LegacyEntityMessage';

const externalIdSchema = z.string({ error: 'externalId is required and must be a string' }).check(
  z.minLength(1, { error: 'externalId must not be empty' }),
  z.maxLength(256, { error: 'externalId must be at most 256 characters' }),
  z.superRefine((s, ctx) => {
    const problem = textProblem(s, 'name');
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `externalId ${problem}`, input: s });
  }),
);

const sourceVersionSchema = z
  .int({ error: 'version must be an integer (the source system\'s own version of the record)' })
  .check(z.gte(0, { error: 'version must be 0 or more' }), z.lte(Number.MAX_SAFE_INTEGER, { error: 'version is too large' }));

export const legacyUpsertSchema = z.strictObject({
  op: z._default(z.literal('upsert'), 'upsert'),
  externalId: externalIdSchema,
  version: sourceVersionSchema,
  name: entityNameSchema,
  attributes: createEntitySchema.shape.attributes,
  visibility: z._default(visibilitySchema, 'private'),
});

export const legacyDeleteSchema = z.strictObject({
  op: z.literal('delete'),
  externalId: externalIdSchema,
  version: sourceVersionSchema,
});

export type LegacyUpsert = z.output<typeof legacyUpsertSchema>;
export type LegacyDelete = z.output<typeof legacyDeleteSchema>;
export type LegacyMessage = LegacyUpsert | LegacyDelete;

export type ParsedLegacyMessage = { readonly ok: true; readonly message: LegacyMessage } | { readonly ok: false; readonly reason: string; readonly errors: readonly FieldIssue[] };

/** Parses one message body (UTF-8 JSON text); never throws: an invalid message says why. */
export function parseLegacyMessage(text: string): ParsedLegacyMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return invalid('the message is not JSON', []);
  }
  const inexact = firstInexactNumber(text);
  if (inexact !== undefined) return invalid(inexactNumberMessage(inexact), []);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return invalid('the message must be a JSON object', []);
  const op = (json as { op?: unknown }).op ?? 'upsert';
  if (op !== 'upsert' && op !== 'delete') return invalid('op must be "upsert" or "delete"', [{ path: '/op', message: 'op must be "upsert" or "delete"' }]);
  const result = op === 'delete' ? legacyDeleteSchema.safeParse(json) : legacyUpsertSchema.safeParse(json);
  if (!result.success) {
    const errors = result.error.issues.map((i) => ({ path: '/' + i.path.map(String).join('/'), message: i.message }));
    return invalid(`the message is invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
  }
  return { ok: true, message: result.data };
}

function invalid(reason: string, errors: readonly FieldIssue[]): ParsedLegacyMessage {
  return { ok: false, reason, errors };
}
