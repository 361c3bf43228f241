import type pg from 'pg';
import type { EntityEvent } from '../../domain/entityEvents.ts';
import type { ProjectionOptions, ProjectionResult } from '../../domain/ports.ts';

/** Per entity, the event with the highest version (the only one that can still matter). */
export function latestPerEntity(events: readonly EntityEvent[]): Map<string, { event: EntityEvent; indexes: number[] }> {
  const latest = new Map<string, { event: EntityEvent; indexes: number[] }>();
  events.forEach((event, index) => {
    const seen = latest.get(event.entityId);
    if (!seen) latest.set(event.entityId, { event, indexes: [index] });
    else {
      seen.indexes.push(index);
      if (event.version > seen.event.version) seen.event = event;
    }
  });
  return latest;
}

/**
 * Applies a batch of entity events to the read model in ONE set-based statement: the newest event
 * per entity is upserted through `unnest(...)`, and a row changes only if the event's version is
 * newer, so duplicates, redeliveries and out-of-order events are harmless. Deletions are soft
 * (deleted_at and the tombstone's version), so an older event arriving later cannot resurrect the
 * entity. Connection and server faults throw (the caller retries the whole batch); if the
 * database refuses the data of some event (e.g. a string PostgreSQL cannot store), the batch is
 * re-applied event by event so only those events fail.
 */
export async function projectEntityEvents(pool: pg.Pool, events: readonly EntityEvent[], options: ProjectionOptions = {}): Promise<ProjectionResult> {
  if (events.length === 0) return { written: 0, skipped: 0, failed: new Map() };
  const latest = [...latestPerEntity(events).values()];
  try {
    const written = await upsert(pool, latest.map((l) => l.event), options.mode ?? 'newer');
    return { written, skipped: events.length - written, failed: new Map() };
  } catch (error) {
    if (!isDataError(error) || latest.length === 1) {
      if (isDataError(error)) return { written: 0, skipped: events.length - 1, failed: new Map(latest[0]!.indexes.map((i) => [i, error as Error])) };
      throw error;
    }
    let written = 0;
    const failed = new Map<number, Error>();
    for (const { event, indexes } of latest) {
      try {
        written += await upsert(pool, [event], options.mode ?? 'newer');
      } catch (single) {
        if (!isDataError(single)) throw single;
        for (const i of indexes) failed.set(i, single as Error);
      }
    }
    return { written, skipped: events.length - written - failed.size, failed };
  }
}

/** SQLSTATE class 22 (data exception) and 23 (integrity constraint): the data, not the database, is at fault. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

const UPSERT = (condition: string) => `
INSERT INTO entities AS e (id, tenant_id, name, attributes, visibility, version, created_at, updated_at, deleted_at, projected_at)
SELECT u.id, u.tenant_id, u.name, u.attributes::jsonb, u.visibility, u.version, u.created_at, u.updated_at, u.deleted_at, now()
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[])
  AS u(id, tenant_id, name, attributes, visibility, version, created_at, updated_at, deleted_at)
ON CONFLICT (id) DO UPDATE SET
  name         = EXCLUDED.name,
  attributes   = CASE WHEN EXCLUDED.deleted_at IS NULL THEN EXCLUDED.attributes ELSE e.attributes END,
  visibility   = CASE WHEN EXCLUDED.deleted_at IS NULL THEN EXCLUDED.visibility ELSE e.visibility END,
  created_at   = CASE WHEN EXCLUDED.deleted_at IS NULL THEN EXCLUDED.created_at ELSE e.created_at END,
  version      = EXCLUDED.version,
  updated_at   = EXCLUDED.updated_at,
  deleted_at   = EXCLUDED.deleted_at,
  projected_at = now()
WHERE e.tenant_id = EXCLUDED.tenant_id AND ${condition}`;

const UPSERT_NEWER = UPSERT('e.version < EXCLUDED.version');
const UPSERT_REPAIR = UPSERT(`(e.version < EXCLUDED.version OR (e.version = EXCLUDED.version AND (
  e.name, e.attributes, e.visibility, e.created_at, e.updated_at, e.deleted_at) IS DISTINCT FROM (
  EXCLUDED.name, EXCLUDED.attributes, EXCLUDED.visibility, EXCLUDED.created_at, EXCLUDED.updated_at, EXCLUDED.deleted_at)))`);

async function upsert(pool: pg.Pool, events: readonly EntityEvent[], mode: 'newer' | 'repair'): Promise<number> {
  const columns = {
    id: [] as string[],
    tenantId: [] as string[],
    name: [] as string[],
    attributes: [] as string[],
    visibility: [] as string[],
    version: [] as number[],
    createdAt: [] as string[],
    updatedAt: [] as string[],
    deletedAt: [] as (string | null)[],
  };
  for (const event of events) {
    columns.id.push(event.entityId);
    columns.tenantId.push(event.tenantId);
    columns.version.push(event.version);
    if (event.type === 'EntityDeleted') {
      const t = event.tombstone;
      // A deletion seen before (or without) its entity still leaves a row, so the entity stays deleted.
      columns.name.push(t.name);
      columns.attributes.push('{}');
      columns.visibility.push('private');
      columns.createdAt.push(t.deletedAt);
      columns.updatedAt.push(t.deletedAt);
      columns.deletedAt.push(t.deletedAt);
    } else {
      const s = event.entity;
      columns.name.push(s.name);
      columns.attributes.push(JSON.stringify(s.attributes));
      columns.visibility.push(s.visibility);
      columns.createdAt.push(s.createdAt);
      columns.updatedAt.push(s.updatedAt);
      columns.deletedAt.push(null);
    }
  }
  const result = await pool.query(mode === 'repair' ? UPSERT_REPAIR : UPSERT_NEWER, [
    columns.id, columns.tenantId, columns.name, columns.attributes, columns.visibility, columns.version, columns.createdAt, columns.updatedAt, columns.deletedAt,
  ]);
  return result.rowCount ?? 0;
}
