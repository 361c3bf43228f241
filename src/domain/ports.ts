import type { Entity } from './entity.ts';
import type { ConflictError } from './errors.ts';
import type { EntityEvent } from './entityEvents.ts';
import type { Checkpoint } from './jobCheckpoint.ts';
import type { JobRecord } from './jobRecord.ts';
import type { Page } from './page.ts';
import type { ReadScope } from './principal.ts';

export type { Page } from './page.ts';

export interface ListEntitiesCriteria {
  readonly scope: ReadScope;
  /** Exact name match, case-insensitive after trimming. */
  readonly name?: string;
  readonly limit: number;
  readonly cursor?: string;
}

/**
 * Persistence of entities. Every write is atomic and conditional:
 * - names are unique per tenant (compared with `normalizeName`): `create`, and an `update` that
 *   renames, claim the name in the same write and throw `NameTakenError` when another entity
 *   holds it; a rename or `delete` releases the old name in that same write;
 * - `update` and `delete` succeed only while the stored version is still `previous.version`, and
 *   otherwise throw `PreconditionFailedError` (or `NotFoundError` when the entity is gone).
 * A malformed or foreign cursor throws `ValidationError`.
 */
export interface EntityRepository {
  create(entity: Entity): Promise<void>;
  /**
   * Creates many entities, each exactly as `create` would (the entity and its name claim, written
   * together or not at all), in as few writes as the store allows: the bulk path of the worker's
   * import and of the legacy bridge. Returns one outcome per entity, in order: `undefined` when it
   * was created, else the refusal `create` would have thrown (`NameTakenError`: another entity
   * holds the name; `ConflictError`: an entity with this id exists, e.g. a replayed record whose
   * id the caller derived from its source). Entities of the same name are decided in array order
   * (the first one wins). Any other failure throws; entities decided before it may be written, so
   * callers choose ids that make a retry recognise them.
   */
  createMany(entities: readonly Entity[]): Promise<CreateManyOutcome[]>;
  get(id: string): Promise<Entity | undefined>;
  update(next: Entity, previous: Entity): Promise<void>;
  /** Deletes `current`, recording when (the deletion's own version is `current.version + 1`). */
  delete(current: Entity, deletedAt: string): Promise<void>;
  list(criteria: ListEntitiesCriteria): Promise<Page<Entity>>;
}

/** What `createMany` decided for one entity: `undefined` (created) or why it was not. */
export type CreateManyOutcome = ConflictError | undefined;

export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  newId(): string;
}

/** The audit trail: every change of an entity, kept under the entity. */
export interface AuditTrail {
  /** Records an event; recording the same event again changes nothing. */
  record(event: EntityEvent): Promise<void>;
  /** The tenant's entity's events, newest first; an empty first page means no such entity for this tenant. */
  history(tenantId: string, entityId: string, page: { limit: number; cursor?: string }): Promise<Page<EntityEvent>>;
}
/** Read-model ports (search and aggregation over PostgreSQL); defined with their query rules. */
export type { EntitySearch, EntitySearchCriteria, EntityStats, EntityStatsCriteria } from './readModelQueries.ts';

/**
 * A key-value cache (Redis in AWS, an in-process LRU locally). Any method may throw when the
 * cache is unavailable; callers treat that as a miss (the cache is never a source of truth).
 * Plain keys expire after their `ttlMs`; a hash key expires `ttlMs` after its last field write.
 */
export interface CacheStore {
  /** The values of `keys`, `undefined` where absent. */
  get(keys: readonly string[]): Promise<(string | undefined)[]>;
  set(entries: readonly { key: string; value: string; ttlMs: number }[]): Promise<void>;
  getField(key: string, field: string): Promise<string | undefined>;
  setField(key: string, field: string, value: string, ttlMs: number): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
  /** Takes a short lock (SET NX PX): true when this caller now holds it. */
  tryLock(key: string, ttlMs: number): Promise<boolean>;
}

/** Job records (`JOB#<id>` / `STATUS` in the table); see ./jobs.ts. */
export interface JobRecords {
  /** Records a new job; throws `ConflictError` when the id exists. */
  create(record: JobRecord): Promise<void>;
  get(jobId: string): Promise<JobRecord | undefined>;
  /**
   * Sets `changes`; the record must exist (else `NotFoundError`) unless `seed` is given: then a
   * missing record is created from `seed` and `changes` (a job the worker runs without a request).
   * `remove` names fields to drop (an earlier run's error).
   */
  update(jobId: string, changes: Partial<JobRecord> & { readonly updatedAt: string }, options?: { seed?: Partial<JobRecord>; remove?: readonly (keyof JobRecord)[] }): Promise<void>;
}

/**
 * Which of a tenant's jobs hold its slots (at most `maxActivePerTenant` run at once; see
 * JobService). A compare-and-set record: `write` succeeds only while the record is still at the
 * version `read` gave (0 when there is none).
 */
export interface JobSlots {
  read(tenantId: string): Promise<{ readonly jobIds: readonly string[]; readonly version: number }>;
  /** Records `jobIds` as the tenant's slot holders; false when another start changed the record since `version`. */
  write(tenantId: string, jobIds: readonly string[], version: number): Promise<boolean>;
}

/** A job's checkpoints, one per job (the worker's; see ./jobCheckpoint.ts). */
export interface CheckpointStore {
  load(jobId: string): Promise<Checkpoint | undefined>;
  save(checkpoint: Checkpoint): Promise<void>;
}

/** Where a job's task runs: Fargate Spot, or on-demand Fargate. */
export type CapacityProvider = 'FARGATE_SPOT' | 'FARGATE';

/** Starts the worker's task for a job (ECS RunTask in AWS). */
export interface JobLauncher {
  /** `run` counts the job's runs (a resumed job runs again); `spot`: Fargate Spot first, on-demand when Spot has no capacity. */
  launch(job: { readonly jobId: string; readonly run: number; readonly command: readonly string[]; readonly spot: boolean }): Promise<{ taskArn: string; capacityProvider: CapacityProvider }>;
}

/** An object's place in S3 (what `parseS3Uri` answers and the S3 adapter reads and writes). */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** Pre-signed URLs for objects of the jobs bucket: what a browser uploads to and downloads from, without AWS credentials of its own. */
export interface ObjectUrls {
  /** A PUT of `location`; the request must carry `headers` exactly (encryption headers are signed). */
  uploadUrl(location: S3Location, options: { readonly contentType: string; readonly expiresInSeconds: number }): Promise<{ url: string; headers: Record<string, string> }>;
  /** A GET of `location`, downloaded as `fileName`. */
  downloadUrl(location: S3Location, options: { readonly fileName: string; readonly expiresInSeconds: number }): Promise<string>;
}

export interface ProjectionOptions {
  /**
   * `newer` (events): apply a change only when its version is newer than the row's.
   * `repair` (reconciliation): also overwrite a row at the same version, whose content drifted.
   */
  readonly mode?: 'newer' | 'repair';
}

export interface ProjectionResult {
  /** Rows inserted or changed. */
  readonly written: number;
  /** Events that were older than (or, in `newer` mode, as old as) the row: duplicates and late deliveries. */
  readonly skipped: number;
  /** Events that could not be written (data the database refuses), by their index in the input. */
  readonly failed: ReadonlyMap<number, Error>;
}

/** The read model's projection: a batch of entity events applied in one write, the outcome per event. */
export interface EntityProjector {
  project(events: readonly EntityEvent[], options?: ProjectionOptions): Promise<ProjectionResult>;
}
