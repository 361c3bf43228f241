import type { Entity } from './entity.ts';
import { entityChanged, entityDeleted, type EntityEvent, type Tombstone } from './entityEvents.ts';

/**
 * Reconciliation of the read model with the source of truth: per tenant, compare what DynamoDB
 * holds with what PostgreSQL has projected (ids, versions and content), and re-project what
 * drifted. Bounded per run; tenants are discovered in pages that later runs resume.
 */

/** A row of the read model, as reconciliation compares it. */
export interface ProjectedEntity {
  readonly id: string;
  readonly version: number;
  readonly deleted: boolean;
  /** The live entity as the row shows it (undefined for deleted rows). */
  readonly entity: Entity | undefined;
}

export type SourceState = { readonly kind: 'entity'; readonly entity: Entity } | { readonly kind: 'tombstone'; readonly tombstone: Tombstone } | undefined;

/** The source of truth (DynamoDB). */
export interface EntitySource {
  /** A tenant's live entities, at most `max` (complete: false when there were more). */
  tenantEntities(tenantId: string, max: number): Promise<{ entities: Entity[]; complete: boolean }>;
  /** One entity's current state, strongly consistent: live, deleted (tombstone), or unknown (tombstone expired). */
  currentState(id: string): Promise<SourceState>;
  /** One bounded page of tenant discovery, from `position` (null: the beginning); null position back: done. */
  discoverTenants(position: unknown, maxItems: number): Promise<{ tenants: string[]; position: unknown }>;
}

/** The read model (PostgreSQL). */
export interface ReadModelStore {
  snapshot(tenantId: string, max: number): Promise<ProjectedEntity[]>;
  /** Applies events in repair mode (a row at the same version whose content differs is overwritten). */
  repair(events: readonly EntityEvent[]): Promise<number>;
  /** Tenants the read model knows (so tenants only PostgreSQL has are checked too), in order after `after`. */
  tenants(after: string | null, max: number): Promise<string[]>;
  loadPosition(name: string): Promise<unknown>;
  savePosition(name: string, position: unknown): Promise<void>;
}

export type DriftKind = 'missing' | 'stale' | 'different' | 'deleted-in-source' | 'ahead';

export interface Drift {
  readonly kind: DriftKind;
  readonly id: string;
}

export interface ReconcileLimits {
  readonly maxTenants: number;
  readonly maxEntitiesPerTenant: number;
  /** Items scanned per run to discover tenants. */
  readonly discoveryItems: number;
}

export const DEFAULT_RECONCILE_LIMITS: ReconcileLimits = { maxTenants: 100, maxEntitiesPerTenant: 10_000, discoveryItems: 5_000 };

export interface TenantReport {
  readonly tenantId: string;
  readonly drift: readonly Drift[];
  readonly repaired: number;
  /** False when the tenant had more entities than the run checks. */
  readonly complete: boolean;
}

const sameContent = (a: Entity, b: Entity): boolean =>
  a.name === b.name && a.visibility === b.visibility && a.createdAt === b.createdAt && a.updatedAt === b.updatedAt && canonical(a.attributes) === canonical(b.attributes);

/** JSON with object keys sorted, so jsonb's key order does not count as drift. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What differs between the source's live entities and the read model's rows of one tenant. */
export function findDrift(source: readonly Entity[], projected: readonly ProjectedEntity[]): { drift: Drift[]; toProject: Entity[]; goneFromSource: string[] } {
  const rows = new Map(projected.map((p) => [p.id, p]));
  const drift: Drift[] = [];
  const toProject: Entity[] = [];
  const live = new Set<string>();
  for (const entity of source) {
    live.add(entity.id);
    const row = rows.get(entity.id);
    let kind: DriftKind | undefined;
    if (!row) kind = 'missing';
    else if (row.version < entity.version || (row.version === entity.version && row.deleted)) kind = 'stale';
    else if (row.version > entity.version) kind = 'ahead';
    else if (!row.entity || !sameContent(row.entity, entity)) kind = 'different';
    if (kind) drift.push({ kind, id: entity.id });
    if (kind && kind !== 'ahead') toProject.push(entity);
  }
  // Live in the read model but not listed by the source: deleted there (or the index lags; checked one by one).
  const goneFromSource = projected.filter((p) => !p.deleted && !live.has(p.id)).map((p) => p.id);
  return { drift, toProject, goneFromSource };
}

export class ReadModelReconciler {
  private readonly source: EntitySource;
  private readonly readModel: ReadModelStore;
  private readonly limits: ReconcileLimits;
  private readonly now: () => Date;

  constructor(deps: { source: EntitySource; readModel: ReadModelStore; limits?: ReconcileLimits; now?: () => Date }) {
    this.source = deps.source;
    this.readModel = deps.readModel;
    this.limits = deps.limits ?? DEFAULT_RECONCILE_LIMITS;
    this.now = deps.now ?? (() => new Date());
  }

  /** One run: the next page of tenants (from the source's discovery and the read model), each reconciled. */
  async run(): Promise<TenantReport[]> {
    const tenants = await this.nextTenants();
    const reports: TenantReport[] = [];
    for (const tenantId of tenants) reports.push(await this.reconcileTenant(tenantId));
    return reports;
  }

  async reconcileTenant(tenantId: string): Promise<TenantReport> {
    // The read model first: a change projected after this snapshot is newer than the source read below.
    const projected = await this.readModel.snapshot(tenantId, this.limits.maxEntitiesPerTenant * 2);
    const { entities, complete } = await this.source.tenantEntities(tenantId, this.limits.maxEntitiesPerTenant);
    const { drift, toProject, goneFromSource } = findDrift(entities, projected);
    const events: EntityEvent[] = toProject.map((e) => entityChanged('EntityUpdated', e, null));
    // Only a complete listing can prove an entity is gone; each is confirmed by a consistent read.
    for (const id of complete ? goneFromSource : []) {
      const state = await this.source.currentState(id);
      const row = projected.find((p) => p.id === id)!;
      if (state?.kind === 'entity') {
        if (state.entity.version > row.version || !row.entity || !sameContent(row.entity, state.entity)) {
          drift.push({ kind: 'different', id });
          events.push(entityChanged('EntityUpdated', state.entity, null));
        }
      } else {
        drift.push({ kind: 'deleted-in-source', id });
        // The tombstone's version, or (tombstone expired) one past the row's, so the deletion wins.
        const tombstone = state?.kind === 'tombstone' ? state.tombstone : { id, tenantId, name: row.entity?.name ?? id, version: row.version + 1, deletedAt: this.now().toISOString() };
        events.push(entityDeleted(tombstone, null));
      }
    }
    const repaired = events.length > 0 ? await this.readModel.repair(events) : 0;
    return { tenantId, drift, repaired, complete };
  }

  /**
   * The tenants of this run: the next page of the source's (resumable) discovery, plus the next
   * tenants the read model knows, together at most `maxTenants`.
   */
  private async nextTenants(): Promise<string[]> {
    const discovery = await this.source.discoverTenants(await this.readModel.loadPosition('tenant-discovery'), this.limits.discoveryItems);
    await this.readModel.savePosition('tenant-discovery', discovery.position);
    const after = (await this.readModel.loadPosition('read-model-tenants')) as string | null;
    const known = await this.readModel.tenants(after ?? null, this.limits.maxTenants);
    await this.readModel.savePosition('read-model-tenants', known.length < this.limits.maxTenants ? null : (known.at(-1) ?? null));
    return [...new Set([...discovery.tenants, ...known])].slice(0, this.limits.maxTenants);
  }
}
