import type pg from 'pg';
import type { JsonValue } from '../../domain/entity.ts';
import { ValidationError } from '../../domain/errors.ts';
import type { AttributeFilter, EntitySearch, EntitySearchCriteria, SearchPage, SearchSort } from '../../domain/readModelQueries.ts';
import { cursorCodecFor, type CursorCodec } from '../dynamodb/cursorCodec.ts';
import { ENTITY_COLUMNS, entityOf, freshnessOf, type EntityRow } from './entityRow.ts';

/** Sort orders: the SQL expression (matching an index), its type, and the direction. */
const SORT_COLUMN: Record<SearchSort, { expression: string; type: 'text' | 'timestamptz'; descending: boolean }> = {
  'name': { expression: 'lower(name)', type: 'text', descending: false },
  '-name': { expression: 'lower(name)', type: 'text', descending: true },
  'createdAt': { expression: 'created_at', type: 'timestamptz', descending: false },
  '-createdAt': { expression: 'created_at', type: 'timestamptz', descending: true },
};

/** `{"a":{"b":value}}` for the path a.b. */
function nested(path: readonly string[], value: JsonValue): JsonValue {
  return path.reduceRight<JsonValue>((inner, key) => ({ [key]: inner }), value);
}

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Search over the read model. Every value is a bind parameter; only fixed SQL fragments (chosen
 * from SORT_COLUMN) are put together. Name match: case-insensitive substring (trigram index);
 * attribute filters: JSONB containment (GIN jsonb_path_ops), where a filter on an array attribute
 * also matches arrays containing the value. Keyset pagination on (sort value, id) with signed
 * cursors bound to the query.
 */
export class PostgresEntitySearch implements EntitySearch {
  private readonly pool: pg.Pool;
  private readonly cursors: () => Promise<CursorCodec>;

  /** `cursorSigningKey`: the key, or a function that fetches it on the first search. */
  constructor(pool: pg.Pool, cursorSigningKey: string | (() => Promise<string>)) {
    this.pool = pool;
    this.cursors = cursorCodecFor(cursorSigningKey);
  }

  async search(criteria: EntitySearchCriteria): Promise<SearchPage> {
    const sort = SORT_COLUMN[criteria.sort];
    const cursors = await this.cursors();
    const fingerprint = JSON.stringify(['search', criteria.tenantId, criteria.text ?? null, criteria.attributes, criteria.sort]);
    const params: unknown[] = [criteria.tenantId];
    const bind = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const where = ['tenant_id = $1', 'deleted_at IS NULL'];
    if (criteria.text !== undefined) where.push(`lower(name) LIKE '%' || lower(${bind(escapeLike(criteria.text))}) || '%'`);
    for (const filter of criteria.attributes) where.push(containment(filter, bind));
    if (criteria.cursor !== undefined) {
      const after = decodeCursor(cursors, criteria.cursor, fingerprint);
      where.push(`(${sort.expression}, id) ${sort.descending ? '<' : '>'} (${bind(after.v)}::${sort.type}, ${bind(after.id)}::uuid)`);
    }
    const direction = sort.descending ? 'DESC' : 'ASC';
    // The cursor keeps the sort value as PostgreSQL renders it, so it compares exactly as the ORDER BY does.
    const sql = `SELECT ${ENTITY_COLUMNS}, ${sort.expression}::text AS sort_value FROM entities WHERE ${where.join(' AND ')} ORDER BY ${sort.expression} ${direction}, id ${direction} LIMIT ${bind(criteria.limit + 1)}`;
    const [{ rows }, readModel] = await Promise.all([this.pool.query<EntityRow & { sort_value: string }>(sql, params), freshnessOf(this.pool, criteria.tenantId)]);
    const page = rows.slice(0, criteria.limit);
    const last = page.at(-1);
    const nextCursor = rows.length > criteria.limit && last ? cursors.encode({ segment: 0, key: { v: last.sort_value, id: last.id } }, fingerprint) : null;
    const items = page.map(entityOf);
    return { items, nextCursor, readModel };
  }
}

function decodeCursor(cursors: CursorCodec, cursor: string, fingerprint: string): { v: string; id: string } {
  const { key } = cursors.decode(cursor, fingerprint);
  if (typeof key?.['v'] !== 'string' || typeof key['id'] !== 'string') {
    throw new ValidationError('The query string is invalid.', [{ path: '/cursor', message: 'cursor is invalid; omit it to start over' }]);
  }
  return { v: key['v'], id: key['id'] };
}

function containment(filter: AttributeFilter, bind: (value: unknown) => string): string {
  const exact = bind(JSON.stringify(nested(filter.path, filter.value)));
  if (typeof filter.value === 'object' && filter.value !== null) return `attributes @> ${exact}::jsonb`;
  // A scalar also matches an array attribute that contains it (tags=blue matches ["blue","new"]).
  const inArray = bind(JSON.stringify(nested(filter.path, [filter.value])));
  return `(attributes @> ${exact}::jsonb OR attributes @> ${inArray}::jsonb)`;
}
