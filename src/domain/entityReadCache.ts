import { normalizeName, withoutTenant, type Entity, type Visibility } from './entity.ts';
import { canSee, mayKnowTenant, type ReadScope } from './principal.ts';
import type { ListEntitiesQuery } from './entitySchemas.ts';
import type { CacheStore, CreateManyOutcome, EntityRepository, Page } from './ports.ts';

/**
 * The read-through cache of the data API (GET /api/v1/data/entities/{id} and name lookups), over
 * any CacheStore. Pure: keys, envelopes, single-flight and the cross-container lock are decided
 * here; the store only moves strings. The cache is never a source of truth: every store failure
 * or unreadable entry is a miss, answered from the repository.
 *
 * Keys (all under `<prefix>v3:`, the key-schema version; bump it on any change of envelope or of what a view holds: v3's public view has no `tenantId`):
 * - `entity:{<id>}:public` — the entity as anyone sees it: only ever a public entity, or "no".
 * - `entity:{<id>}:tenant:<tenantId>` — the entity as that tenant sees it: only ever that tenant's
 *   entity, or "no". An anonymous read touches only the public key; a tenant only its own key and
 *   the public one, so no view can hand out another view's private entity.
 * - `name:{<normalized name>}` — a hash with one field per view and page size
 *   (`public|20`, `tenant:<t>|20`, `public+tenant:<t>|20`), so one DEL invalidates every view of a name.
 * Entries carry the entity version; a caller whose If-None-Match names a newer version is never
 * served an older entry.
 *
 * An entity entry is a header line and the entity's JSON (`{"s":…,"exp":…,"id":…,"t":…,"vis":…,"v":…}\n{…}`;
 * a "no" is the header alone). A hit reads only the header, which holds everything the cache and
 * the response headers need, and answers with the JSON as it is: it never parses nor serialises
 * the entity, however large.
 */
export const CACHE_KEY_SCHEMA = 'v3';

export type CacheOutcome = 'HIT' | 'MISS';
export type CacheKind = 'entity' | 'name';

export interface CacheObserver {
  hit(kind: CacheKind): void;
  miss(kind: CacheKind): void;
  /** A store call failed or returned something unreadable; the read went on without the cache. */
  error(operation: string, error: unknown): void;
}

export interface CacheTtls {
  /** Entities and non-empty name pages (5 min). */
  readonly entityMs: number;
  /** 404s and empty name pages: short, so a create elsewhere shows soon even without invalidation. */
  readonly negativeMs: number;
  /** The cross-container stampede lock. */
  readonly lockMs: number;
  /** How long a container that lost the lock waits for the winner's entry before reading itself. */
  readonly lockWaitMs: number;
}

export const DEFAULT_CACHE_TTLS: CacheTtls = { entityMs: 300_000, negativeMs: 30_000, lockMs: 2_000, lockWaitMs: 150 };

export class EntityCacheKeys {
  private readonly base: string;
  constructor(prefix = '') {
    this.base = `${prefix}${CACHE_KEY_SCHEMA}:`;
  }
  entity(id: string, view: EntityView): string {
    return `${this.base}entity:{${id}}:${view}`;
  }
  /** The keys of `id` in `views`, in their order: what one entity read asks the store for. */
  entities(id: string, views: readonly EntityView[]): string[] {
    return views.map((view) => this.entity(id, view));
  }
  entityLock(id: string, views: readonly EntityView[]): string {
    return `${this.base}lock:entity:{${id}}:${views.join(',')}`;
  }
  name(name: string): string {
    return `${this.base}name:{${encodeURIComponent(normalizeName(name))}}`;
  }
  nameLock(name: string, field: string): string {
    return `${this.name(name)}:lock:${field}`;
  }
}

export type EntityView = 'public' | `tenant:${string}`;

/** The views a scope may read (and fills on a miss), most specific first. */
export function viewsOf(scope: ReadScope): EntityView[] {
  switch (scope.kind) {
    case 'public':
      return ['public'];
    case 'tenant':
      return [`tenant:${scope.tenantId}`];
    case 'public-and-tenant':
      return [`tenant:${scope.tenantId}`, 'public'];
  }
}

function viewSees(view: EntityView, entity: Entity): boolean {
  return view === 'public' ? entity.visibility === 'public' : entity.tenantId === view.slice('tenant:'.length);
}

function nameField(scope: ReadScope, limit: number): string {
  const view = scope.kind === 'public' ? 'public' : scope.kind === 'tenant' ? `tenant:${scope.tenantId}` : `public+tenant:${scope.tenantId}`;
  return `${view}|${limit}`;
}

/** An entity as the cache answers it: what its response headers need, and its JSON. */
export interface CachedEntity {
  readonly id: string;
  readonly tenantId: string;
  readonly visibility: Visibility;
  readonly version: number;
  /** The entity as JSON.stringify gives it: the response body. */
  readonly json: string;
}

/** An entity as an answer of the cache: `json` is serialised once, for the entry and the response both. */
export function cachedEntity(entity: Entity, json = JSON.stringify(entity)): CachedEntity {
  return { id: entity.id, tenantId: entity.tenantId, visibility: entity.visibility, version: entity.version, json };
}

/** An entity as each view stores it: the tenant's view in full, the public one without `tenantId` (JSON only: the header keeps the owner for the view checks). */
function entityViews(entity: Entity): { tenant: CachedEntity; public: CachedEntity } {
  const tenant = cachedEntity(entity);
  return { tenant, public: entity.visibility === 'public' ? { ...tenant, json: JSON.stringify(withoutTenant(entity)) } : tenant };
}

/** An entity entry as read. */
interface EntityEntry {
  /** Expiry (epoch ms): the store's TTL is the first line, this the second (hash fields, clocks). */
  readonly exp: number;
  /** The entity as this view sees it, or null: the view sees no such entity. */
  readonly entity: CachedEntity | null;
}

/** The header line of an entity entry (short member names: it is stored with every entry). */
interface EntityEntryHeader {
  readonly s: typeof CACHE_KEY_SCHEMA;
  readonly exp: number;
  readonly id?: string;
  readonly t?: string;
  readonly vis?: Visibility;
  readonly v?: number;
}

interface PageEnvelope {
  readonly s: typeof CACHE_KEY_SCHEMA;
  readonly exp: number;
  readonly p: Page<Entity>;
}

class UnreadableEntry extends Error {
  constructor(what: string) {
    super(`unreadable cache entry: ${what}`);
    this.name = 'UnreadableEntry';
  }
}

function isEntity(value: unknown): value is Entity {
  if (!value || typeof value !== 'object') return false;
  const e = value as Record<string, unknown>;
  return (
    typeof e['id'] === 'string' &&
    typeof e['tenantId'] === 'string' &&
    typeof e['name'] === 'string' &&
    (e['visibility'] === 'public' || e['visibility'] === 'private') &&
    Number.isInteger(e['version']) &&
    typeof e['attributes'] === 'object' &&
    e['attributes'] !== null &&
    typeof e['createdAt'] === 'string' &&
    typeof e['updatedAt'] === 'string'
  );
}

/**
 * An entity entry: the header line, then the entity's JSON (JSON.stringify never writes a raw
 * line break, so the first one ends the header); a view that sees no such entity stores the
 * header alone.
 */
export function encodeEntityEntry(exp: number, entity: CachedEntity | null): string {
  if (!entity) return JSON.stringify({ s: CACHE_KEY_SCHEMA, exp } satisfies EntityEntryHeader);
  const header: EntityEntryHeader = { s: CACHE_KEY_SCHEMA, exp, id: entity.id, t: entity.tenantId, vis: entity.visibility, v: entity.version };
  return `${JSON.stringify(header)}\n${entity.json}`;
}

/** Reads an entry of `id`'s entity by its header alone; anything not laid out by encodeEntityEntry is unreadable. */
function decodeEntityEntry(raw: string, id: string): EntityEntry {
  const lineEnd = raw.indexOf('\n');
  const header = parseEnvelope(lineEnd === -1 ? raw : raw.slice(0, lineEnd)) as Partial<EntityEntryHeader>;
  const exp = header.exp!;
  if (lineEnd === -1) {
    if (header.id !== undefined) throw new UnreadableEntry('an entity header without the entity');
    return { exp, entity: null };
  }
  const { id: entryId, t: tenantId, vis: visibility, v: version } = header;
  if (entryId !== id || typeof tenantId !== 'string' || (visibility !== 'public' && visibility !== 'private') || !Number.isInteger(version)) {
    throw new UnreadableEntry(`not an entity header of ${id}`);
  }
  const json = raw.slice(lineEnd + 1);
  if (json.charCodeAt(0) !== 0x7b || json.charCodeAt(json.length - 1) !== 0x7d) throw new UnreadableEntry('the entity is not a JSON object');
  return { exp, entity: { id, tenantId, visibility, version: version!, json } };
}

function parseEnvelope(raw: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new UnreadableEntry('not JSON');
  }
  if (!parsed || typeof parsed !== 'object' || (parsed as Record<string, unknown>)['s'] !== CACHE_KEY_SCHEMA || typeof (parsed as Record<string, unknown>)['exp'] !== 'number') {
    throw new UnreadableEntry('not an envelope of this key schema');
  }
  return parsed as Record<string, unknown>;
}

export interface EntityCacheDeps {
  readonly repository: Pick<EntityRepository, 'get' | 'list'>;
  readonly store: CacheStore;
  readonly keys: EntityCacheKeys;
  readonly ttls?: Partial<CacheTtls>;
  readonly observer?: CacheObserver;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface EntityRead {
  /** The entity, or undefined: no such entity for this scope (a 404). */
  readonly entity: CachedEntity | undefined;
  readonly cache: CacheOutcome;
}

/**
 * The cache read of a `get`, started ahead of the request's other work (validation, logging,
 * tracing) so that they overlap its round trip; `get` takes it when it asks for the same keys and
 * reports its failure as its own. Nothing is decoded or trusted before `get` decides.
 */
export interface EntityPrefetch {
  readonly keys: readonly string[];
  readonly values: Promise<(string | undefined)[]>;
}

/** Starts the store read that `get(scope, id)` will make (see EntityPrefetch); never throws nor rejects unhandled. */
export function startEntityPrefetch(store: CacheStore, keys: EntityCacheKeys, scope: ReadScope, id: string): EntityPrefetch {
  const entityKeys = keys.entities(id, viewsOf(scope));
  let values: Promise<(string | undefined)[]>;
  try {
    values = store.get(entityKeys);
  } catch (error) {
    // A store that throws rather than rejects: the same failure, for `get` to report.
    values = Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
  values.catch(() => undefined); // handled by the `get` that takes it
  return { keys: entityKeys, values };
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((key, i) => key === b[i]);
}

export interface PageRead {
  readonly page: Page<Entity>;
  /** Undefined when the query is not cached (no name, or a later page). */
  readonly cache: CacheOutcome | undefined;
}

const NO_OBSERVER: CacheObserver = { hit: () => undefined, miss: () => undefined, error: () => undefined };

type Answer<T> = { readonly value: T } | undefined;

export class EntityReadCache {
  private readonly deps: EntityCacheDeps;
  private readonly ttls: CacheTtls;
  private readonly observer: CacheObserver;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** In-container single-flight: one repository read per key, however many callers miss at once. */
  private readonly flights = new Map<string, Promise<{ value: unknown; cache: CacheOutcome }>>();

  constructor(deps: EntityCacheDeps) {
    this.deps = deps;
    this.ttls = { ...DEFAULT_CACHE_TTLS, ...deps.ttls };
    this.observer = deps.observer ?? NO_OBSERVER;
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * One entity as `scope` sees it. `atLeastVersion`: the version the caller already holds
   * (If-None-Match); an entry older than that is stale and the repository answers. `ahead`: this
   * read, started earlier (startEntityPrefetch); used when it asked for the same keys.
   */
  async get(scope: ReadScope, id: string, options: { atLeastVersion?: number; ahead?: EntityPrefetch } = {}): Promise<EntityRead> {
    const views = viewsOf(scope);
    const keys = this.deps.keys.entities(id, views);
    const lookup = async (ahead?: EntityPrefetch): Promise<Answer<CachedEntity | undefined>> =>
      this.entityAnswer(scope, await this.readEntities(id, keys, ahead && sameKeys(ahead.keys, keys) ? ahead.values : undefined), options.atLeastVersion);
    const cached = await lookup(options.ahead);
    if (cached) {
      this.observer.hit('entity');
      return { entity: cached.value, cache: 'HIT' };
    }
    this.observer.miss('entity');
    const { value, cache } = await this.singleFlight(`entity:${id}:${views.join(',')}`, this.deps.keys.entityLock(id, views), lookup, async () => {
      const entity = await this.deps.repository.get(id);
      // Serialised once per view that sees it: the public view without the owner (mayKnowTenant), the tenant's in full; the response sends the scope's.
      const seen = entity && entityViews(entity);
      const exp = this.now();
      await this.write('fill', () =>
        this.deps.store.set(
          views.map((view, i) => {
            const visible = entity !== undefined && viewSees(view, entity);
            const ttlMs = visible ? this.ttls.entityMs : this.ttls.negativeMs;
            return { key: keys[i]!, value: encodeEntityEntry(exp + ttlMs, visible ? (view === 'public' ? seen!.public : seen!.tenant) : null), ttlMs };
          }),
        ),
      );
      return seen !== undefined && canSee(scope, seen.tenant) ? (mayKnowTenant(scope, seen.tenant) ? seen.tenant : seen.public) : undefined;
    });
    return { entity: value as CachedEntity | undefined, cache };
  }

  /** A listing: name lookups' first pages read through the cache; anything else goes to the repository. */
  async list(scope: ReadScope, query: ListEntitiesQuery): Promise<PageRead> {
    if (query.name === undefined || query.cursor !== undefined) {
      return { page: await this.deps.repository.list({ scope, limit: query.limit, ...(query.name !== undefined && { name: query.name }), ...(query.cursor !== undefined && { cursor: query.cursor }) }), cache: undefined };
    }
    const name = query.name;
    const key = this.deps.keys.name(name);
    const field = nameField(scope, query.limit);
    const lookup = async (): Promise<Answer<Page<Entity>>> => this.pageAnswer(scope, await this.readField(key, field));
    const cached = await lookup();
    if (cached) {
      this.observer.hit('name');
      return { page: cached.value, cache: 'HIT' };
    }
    this.observer.miss('name');
    const { value, cache } = await this.singleFlight(`name:${key}|${field}`, this.deps.keys.nameLock(name, field), lookup, async () => {
      const page = await this.deps.repository.list({ scope, limit: query.limit, name });
      const ttlMs = page.items.length > 0 ? this.ttls.entityMs : this.ttls.negativeMs;
      await this.write('fill', () => this.deps.store.setField(key, field, JSON.stringify({ s: CACHE_KEY_SCHEMA, exp: this.now() + ttlMs, p: page } satisfies PageEnvelope), ttlMs));
      return page;
    });
    return { page: value as Page<Entity>, cache };
  }

  invalidate(change: EntityChange): Promise<void> {
    return new EntityCacheInvalidator(this.deps.store, this.deps.keys).invalidate(change);
  }

  /** The entries of `id` at `keys`, read now or taken from a read started ahead; a failure or an unreadable entry is a miss. */
  private async readEntities(id: string, keys: readonly string[], ahead?: Promise<(string | undefined)[]>): Promise<(EntityEntry | undefined)[]> {
    let raw: (string | undefined)[];
    try {
      raw = await (ahead ?? this.deps.store.get(keys));
    } catch (error) {
      this.observer.error('get', error);
      return keys.map(() => undefined);
    }
    return raw.map((value) => {
      if (value === undefined) return undefined;
      try {
        return decodeEntityEntry(value, id);
      } catch (error) {
        this.observer.error('decode', error);
        return undefined;
      }
    });
  }

  private async readField(key: string, field: string): Promise<PageEnvelope | undefined> {
    let raw: string | undefined;
    try {
      raw = await this.deps.store.getField(key, field);
    } catch (error) {
      this.observer.error('get', error);
      return undefined;
    }
    if (raw === undefined) return undefined;
    try {
      const envelope = parseEnvelope(raw);
      const page = envelope['p'] as Page<Entity> | undefined;
      if (!page || !Array.isArray(page.items) || !page.items.every(isEntity) || !(page.nextCursor === null || typeof page.nextCursor === 'string')) throw new UnreadableEntry('not a page');
      return envelope as unknown as PageEnvelope;
    } catch (error) {
      this.observer.error('decode', error);
      return undefined;
    }
  }

  /**
   * A usable answer from the scope's views, or undefined (a miss): any live entry holding an
   * entity the scope may see, at least as new as the caller's version; a 404 only when every view
   * says "no" and the caller claims no version.
   */
  private entityAnswer(scope: ReadScope, entries: readonly (EntityEntry | undefined)[], atLeastVersion: number | undefined): Answer<CachedEntity | undefined> {
    const now = this.now();
    const live = entries.map((entry) => (entry && entry.exp > now ? entry : undefined));
    const views = viewsOf(scope);
    for (const [i, entry] of live.entries()) {
      const e = entry?.entity;
      if (!e) continue;
      if (!canSee(scope, e)) {
        this.observer.error('decode', new UnreadableEntry('an entry this scope may not see'));
        return undefined;
      }
      // The public view's JSON has no owner: the owner's own tenant is answered from its own view (a miss fills it).
      if (views[i] === 'public' && mayKnowTenant(scope, e)) return undefined;
      if (atLeastVersion !== undefined && e.version < atLeastVersion) return undefined;
      return { value: e };
    }
    if (atLeastVersion === undefined && live.every((entry) => entry !== undefined && entry.entity === null)) return { value: undefined };
    return undefined;
  }

  private pageAnswer(scope: ReadScope, entry: PageEnvelope | undefined): Answer<Page<Entity>> {
    if (!entry || entry.exp <= this.now()) return undefined;
    if (!entry.p.items.every((e) => canSee(scope, e))) {
      this.observer.error('decode', new UnreadableEntry('a page with entries this scope may not see'));
      return undefined;
    }
    return { value: entry.p };
  }

  /**
   * One load per key in this container (callers that miss while it runs share it), and across
   * containers a short lock: the loser waits briefly for the winner's entry, then reads itself.
   */
  private singleFlight<T>(flightKey: string, lockKey: string, lookup: () => Promise<Answer<T>>, load: () => Promise<T>): Promise<{ value: unknown; cache: CacheOutcome }> {
    const running = this.flights.get(flightKey);
    if (running) return running;
    const flight = (async () => {
      let locked = true;
      try {
        locked = await this.deps.store.tryLock(lockKey, this.ttls.lockMs);
      } catch (error) {
        this.observer.error('lock', error);
      }
      if (!locked) {
        const step = Math.max(5, Math.floor(this.ttls.lockWaitMs / 6));
        for (let waited = 0; waited < this.ttls.lockWaitMs; waited += step) {
          await this.sleep(step);
          const answer = await lookup();
          if (answer) return { value: answer.value, cache: 'HIT' as const };
        }
      }
      const value = await load();
      if (locked) await this.write('unlock', () => this.deps.store.delete([lockKey]));
      return { value, cache: 'MISS' as const };
    })().finally(() => this.flights.delete(flightKey));
    this.flights.set(flightKey, flight);
    return flight;
  }

  private async write(operation: string, call: () => Promise<void>): Promise<void> {
    try {
      await call();
    } catch (error) {
      this.observer.error(operation, error);
    }
  }
}

export interface EntityChange {
  readonly id: string;
  readonly tenantId: string;
  /** Every name the change touched (old and new on a rename). */
  readonly names: readonly string[];
}

/**
 * Deletes every entry a change of an entity can affect: its public view, its tenant's view (no other
 * tenant's view can hold it: those only ever say "no", which stays true) and every view of each
 * of its names. Needs only the store: the invalidator consumer reads nothing else.
 */
export class EntityCacheInvalidator {
  private readonly store: CacheStore;
  private readonly keys: EntityCacheKeys;
  constructor(store: CacheStore, keys: EntityCacheKeys) {
    this.store = store;
    this.keys = keys;
  }
  invalidate(change: EntityChange): Promise<void> {
    const keys = [this.keys.entity(change.id, 'public'), this.keys.entity(change.id, `tenant:${change.tenantId}`), ...new Set(change.names.map((n) => this.keys.name(n)))];
    return this.store.delete(keys);
  }
}

/**
 * The write path's half: after every successful write, the entries it can affect are deleted
 * (the invalidator consumer deletes them again on the entity's event). A failure to delete is
 * reported, never thrown: the write has happened, and the consumer and the TTL repair the cache.
 */
export class CacheInvalidatingRepository implements EntityRepository {
  private readonly inner: EntityRepository;
  private readonly cache: Pick<EntityCacheInvalidator, 'invalidate'>;
  private readonly onError: (error: unknown) => void;

  constructor(inner: EntityRepository, cache: Pick<EntityCacheInvalidator, 'invalidate'>, onError: (error: unknown) => void) {
    this.inner = inner;
    this.cache = cache;
    this.onError = onError;
  }

  get(id: string): Promise<Entity | undefined> {
    return this.inner.get(id);
  }

  list(...args: Parameters<EntityRepository['list']>): ReturnType<EntityRepository['list']> {
    return this.inner.list(...args);
  }

  async create(entity: Entity): Promise<void> {
    await this.inner.create(entity);
    await this.invalidate(entity.id, entity.tenantId, [entity.name]);
  }

  async createMany(entities: readonly Entity[]): Promise<CreateManyOutcome[]> {
    const outcomes = await this.inner.createMany(entities);
    await Promise.all(entities.filter((_, i) => outcomes[i] === undefined).map((entity) => this.invalidate(entity.id, entity.tenantId, [entity.name])));
    return outcomes;
  }

  async update(next: Entity, previous: Entity): Promise<void> {
    await this.inner.update(next, previous);
    await this.invalidate(next.id, next.tenantId, [previous.name, next.name]);
  }

  async delete(current: Entity, deletedAt: string): Promise<void> {
    await this.inner.delete(current, deletedAt);
    await this.invalidate(current.id, current.tenantId, [current.name]);
  }

  private async invalidate(id: string, tenantId: string, names: string[]): Promise<void> {
    try {
      await this.cache.invalidate({ id, tenantId, names });
    } catch (error) {
      this.onError(error);
    }
  }
}
