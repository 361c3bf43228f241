import type pg from 'pg';
import type { EntityEvent } from '../../domain/entityEvents.ts';
import type { ProjectedEntity, ReadModelStore } from '../../domain/readModelReconciler.ts';
import { projectEntityEvents } from './entityProjection.ts';
import { ENTITY_COLUMNS, entityOf, type EntityRow } from './entityRow.ts';

/** The read model as reconciliation reads and repairs it. */
export class PostgresReadModelStore implements ReadModelStore {
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  async snapshot(tenantId: string, max: number): Promise<ProjectedEntity[]> {
    const { rows } = await this.pool.query<EntityRow>(`SELECT ${ENTITY_COLUMNS} FROM entities WHERE tenant_id = $1 ORDER BY id LIMIT $2`, [tenantId, max]);
    return rows.map((row) => ({ id: row.id, version: row.version, deleted: row.deleted_at !== null, entity: row.deleted_at === null ? entityOf(row) : undefined }));
  }

  async repair(events: readonly EntityEvent[]): Promise<number> {
    const result = await projectEntityEvents(this.pool, events, { mode: 'repair' });
    const [first] = result.failed.values();
    if (first) throw first;
    return result.written;
  }

  async tenants(after: string | null, max: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ tenant_id: string }>(
      'SELECT DISTINCT tenant_id FROM entities WHERE $1::text IS NULL OR tenant_id > $1 ORDER BY tenant_id LIMIT $2',
      [after, max],
    );
    return rows.map((r) => r.tenant_id);
  }

  async loadPosition(name: string): Promise<unknown> {
    const { rows } = await this.pool.query<{ position: unknown }>('SELECT position FROM reconciliation_state WHERE name = $1', [name]);
    return rows[0]?.position ?? null;
  }

  async savePosition(name: string, position: unknown): Promise<void> {
    await this.pool.query(
      `INSERT INTO reconciliation_state (name, position, updated_at) VALUES ($1, $2::jsonb, now())
       ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
      [name, JSON.stringify(position ?? null)],
    );
  }
}
