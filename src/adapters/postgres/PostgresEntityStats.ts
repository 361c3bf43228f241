import type pg from 'pg';
import type { JsonValue } from '../../domain/entity.ts';
import type { EntityStats, EntityStatsCriteria, EntityStatsResult } from '../../domain/readModelQueries.ts';
import { freshnessOf } from './entityRow.ts';

/**
 * Counts per attribute value in one grouped query (the path is a bind parameter: `attributes #> $2`).
 * Entities without the attribute and those where it is JSON null share the `null` bucket.
 */
export class PostgresEntityStats implements EntityStats {
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  async countBy(criteria: EntityStatsCriteria): Promise<EntityStatsResult> {
    const sql = `
      SELECT coalesce(attributes #> $2::text[], 'null'::jsonb) AS value, count(*)::int AS count, (sum(count(*)) OVER ())::int AS total, (count(*) OVER ())::int AS distinct_values
      FROM entities
      WHERE tenant_id = $1 AND deleted_at IS NULL
      GROUP BY 1
      ORDER BY count(*) DESC, 1 ASC NULLS LAST
      LIMIT $3`;
    const [{ rows }, readModel] = await Promise.all([
      this.pool.query<{ value: JsonValue; count: number; total: string | number; distinct_values: number }>(sql, [criteria.tenantId, criteria.groupBy, criteria.limit]),
      freshnessOf(this.pool, criteria.tenantId),
    ]);
    return {
      total: Number(rows[0]?.total ?? 0),
      buckets: rows.map((r) => ({ value: r.value, count: r.count })),
      distinctValues: rows[0]?.distinct_values ?? 0,
      readModel,
    };
  }
}
