import * as z from 'zod/mini';
import type { Entity, JsonValue } from './entity.ts';
import { ValidationError, type FieldIssue } from './errors.ts';
import { checkAttributes } from './attributes.ts';
import { textProblem } from './text.ts';
import { cursorParamSchema, limitParamSchema, PAGE_LIMITS } from './entitySchemas.ts';
import { parseInput } from './parseInput.ts';
import type { Page } from './page.ts';
import { requireScope, SCOPES, type Principal } from './principal.ts';

/**
 * Search and aggregation over the read model (PostgreSQL): the query rules and the ports. The
 * tenant always comes from the verified caller; nothing in the query can name another tenant.
 */

export const SEARCH_SORTS = ['name', '-name', 'createdAt', '-createdAt'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

/** `attr.<key>` or `attr.<key>.<nested key>…`: attribute keys are plain names, so dots separate them. */
const ATTRIBUTE_PATH = /^attr\.([A-Za-z_][A-Za-z0-9_-]{0,127}(?:\.[A-Za-z_][A-Za-z0-9_-]{0,127}){0,9})$/;
export const MAX_ATTRIBUTE_FILTERS = 10;
const MAX_VALUE_LENGTH = 1024;

export interface AttributeFilter {
  /** Key path into the attributes, e.g. `["size", "h"]` for `attr.size.h`. */
  readonly path: readonly string[];
  /** The value the attribute must equal, or (for an array attribute) contain. */
  readonly value: JsonValue;
}

export interface SearchEntitiesQuery {
  /** Case-insensitive substring of the name. */
  readonly text?: string;
  readonly attributes: readonly AttributeFilter[];
  readonly sort: SearchSort;
  readonly limit: number;
  readonly cursor?: string;
}

export interface EntityStatsQuery {
  /** The attribute path to group by. */
  readonly groupBy: readonly string[];
  readonly limit: number;
}

/** How current the read model is for the tenant: the newest change it has applied. */
export interface ReadModelFreshness {
  /** `updatedAt` of the newest change projected for the tenant (a deletion counts), or null if none. */
  readonly newestUpdatedAt: string | null;
}

export interface SearchPage extends Page<Entity> {
  readonly readModel: ReadModelFreshness;
}

export interface StatsBucket {
  /** The attribute's value (any JSON value); `null` groups the entities without the attribute. */
  readonly value: JsonValue;
  readonly count: number;
}

export interface EntityStatsResult {
  /** Entities counted (live entities of the tenant). */
  readonly total: number;
  /** The largest groups first (then by value), at most `limit`. */
  readonly buckets: readonly StatsBucket[];
  /** How many distinct values there are in all (more than `buckets.length` when cut by `limit`). */
  readonly distinctValues: number;
  readonly readModel: ReadModelFreshness;
}

export interface EntitySearchCriteria extends SearchEntitiesQuery {
  readonly tenantId: string;
}

export interface EntityStatsCriteria extends EntityStatsQuery {
  readonly tenantId: string;
}

/** Search of a tenant's live entities in the read model. A malformed or foreign cursor throws ValidationError. */
export interface EntitySearch {
  search(criteria: EntitySearchCriteria): Promise<SearchPage>;
}

/** Counts of a tenant's live entities per value of one attribute. */
export interface EntityStats {
  countBy(criteria: EntityStatsCriteria): Promise<EntityStatsResult>;
}

export const searchParamsSchema = z.strictObject({
  q: z.optional(
    z.string().check(
      z.trim(),
      z.minLength(1, { error: 'q must not be empty' }),
      z.maxLength(255, { error: 'q must be at most 255 characters' }),
      z.superRefine((s, ctx) => {
        const problem = textProblem(s, 'text');
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `q ${problem}`, input: s });
      }),
    ),
  ),
  sort: z._default(z.enum(SEARCH_SORTS, { error: `sort must be one of ${SEARCH_SORTS.join(', ')}` }), 'name'),
  limit: limitParamSchema(PAGE_LIMITS.min, PAGE_LIMITS.max, PAGE_LIMITS.default),
  cursor: cursorParamSchema(),
});

export const statsParamsSchema = z.strictObject({
  groupBy: z.string({ error: 'groupBy is required, e.g. groupBy=attr.colour' }).check(z.regex(ATTRIBUTE_PATH, { error: 'groupBy must be attr.<key>, e.g. attr.colour or attr.size.h' })),
  limit: limitParamSchema(1, 1000, 100),
});

/**
 * A query-string value as a JSON value: numbers, `true`, `false` and `null` as themselves, a
 * double-quoted JSON string as that string (`"42"` is the string 42), anything else as a string.
 */
export function attributeValueOf(raw: string): JsonValue {
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(raw) || raw === 'true' || raw === 'false' || raw === 'null' || /^".*"$/s.test(raw)) {
    try {
      return JSON.parse(raw) as JsonValue;
    } catch {
      return raw;
    }
  }
  return raw;
}

export function parseSearchQuery(params: Record<string, string | undefined> | null | undefined): SearchEntitiesQuery {
  const plain: Record<string, string | undefined> = {};
  const attributes: AttributeFilter[] = [];
  const issues: FieldIssue[] = [];
  for (const [key, value] of Object.entries(params ?? {})) {
    if (!key.startsWith('attr.')) {
      plain[key] = value;
      continue;
    }
    const path = ATTRIBUTE_PATH.exec(key)?.[1];
    if (path === undefined) issues.push({ path: `/${key}`, message: 'attribute filters look like attr.<key>=<value>; keys are letters, digits, _ and -, nested keys joined with dots' });
    else if (value === undefined || value.length > MAX_VALUE_LENGTH) issues.push({ path: `/${key}`, message: `the value must be 0 to ${MAX_VALUE_LENGTH} characters` });
    else {
      // The value as it will be matched (a quoted value is JSON, whose escapes can spell any character) obeys the attributes' own rules.
      const parsed = attributeValueOf(value);
      const problems = checkAttributes({ v: parsed }, []);
      if (problems.length > 0) issues.push({ path: `/${key}`, message: `the value: ${problems[0]!.message}` });
      else attributes.push({ path: path.split('.'), value: parsed });
    }
  }
  if (attributes.length > MAX_ATTRIBUTE_FILTERS) issues.push({ path: '/attr', message: `at most ${MAX_ATTRIBUTE_FILTERS} attribute filters` });
  let base: z.output<typeof searchParamsSchema> | undefined;
  try {
    base = parseInput(searchParamsSchema, plain, 'query');
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    issues.unshift(...error.issues);
  }
  if (issues.length > 0 || !base) throw new ValidationError('The query string is invalid.', issues);
  return {
    ...(base.q !== undefined && { text: base.q.normalize('NFC') }),
    attributes,
    sort: base.sort,
    limit: base.limit,
    ...(base.cursor !== undefined && { cursor: base.cursor }),
  };
}

export function parseStatsQuery(params: Record<string, string | undefined> | null | undefined): EntityStatsQuery {
  const parsed = parseInput(statsParamsSchema, params ?? {}, 'query');
  return { groupBy: ATTRIBUTE_PATH.exec(parsed.groupBy)![1]!.split('.'), limit: parsed.limit };
}

export interface EntityQueriesDeps {
  readonly search: EntitySearch;
  readonly stats: EntityStats;
}

/** The secure API's search and stats: `entities/read` required, always within the caller's tenant. */
export class EntityQueries {
  private readonly deps: EntityQueriesDeps;

  constructor(deps: EntityQueriesDeps) {
    this.deps = deps;
  }

  async search(principal: Principal | undefined, query: SearchEntitiesQuery): Promise<SearchPage> {
    const { tenantId } = requireScope(principal, SCOPES.read);
    return await this.deps.search.search({ ...query, tenantId });
  }

  async stats(principal: Principal | undefined, query: EntityStatsQuery): Promise<EntityStatsResult> {
    const { tenantId } = requireScope(principal, SCOPES.read);
    return await this.deps.stats.countBy({ ...query, tenantId });
  }
}
