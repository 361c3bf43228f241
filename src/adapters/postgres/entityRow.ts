import type pg from 'pg';
import type { Attributes, Entity, Visibility } from '../../domain/entity.ts';
import type { ReadModelFreshness } from '../../domain/readModelQueries.ts';

/** A row of `entities` as pg returns it. */
export interface EntityRow {
  id: string;
  tenant_id: string;
  name: string;
  attributes: Attributes;
  visibility: Visibility;
  version: number;
  created_at: Date;
  updated_at: Date | null;
  deleted_at: Date | null;
}

export const ENTITY_COLUMNS = 'id, tenant_id, name, attributes, visibility, version, created_at, updated_at, deleted_at';

/** The row as the API's entity (same fields, same ISO-8601 timestamps as DynamoDB holds). */
export function entityOf(row: EntityRow): Entity {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    attributes: row.attributes,
    visibility: row.visibility,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: (row.updated_at ?? row.created_at).toISOString(),
  };
}

/** The newest change projected for the tenant (deleted rows included: a deletion is a change). */
export async function freshnessOf(pool: pg.Pool, tenantId: string): Promise<ReadModelFreshness> {
  const { rows } = await pool.query<{ newest: Date | null }>('SELECT max(updated_at) AS newest FROM entities WHERE tenant_id = $1', [tenantId]);
  return { newestUpdatedAt: rows[0]?.newest?.toISOString() ?? null };
}
