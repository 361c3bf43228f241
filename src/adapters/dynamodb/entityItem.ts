import { normalizeName, type Entity } from '../../domain/entity.ts';
import type { Tombstone } from '../../domain/entityEvents.ts';

export const ENTITY_SK = 'METADATA';
export const ENTITY_TYPE = 'Entity';
export const TOMBSTONE_TYPE = 'Tombstone';
/** Tombstones stay this long (for late consumers and audits), then the table's TTL removes them. */
export const TOMBSTONE_RETENTION_SECONDS = 30 * 24 * 3600;
export const PUBLIC_PARTITION = 'PUBLIC';

export const INDEX = {
  /** Lookup by name: `nameKey` = normalized name, `nameScope` = `<tenantId>#<id>`. */
  name: 'NameIndex',
  /** A tenant's entities in creation order: `tenantKey` = `TENANT#<tenantId>`, `listKey` = `<createdAt>#<id>`. */
  tenant: 'TenantIndex',
  /** Sparse: public entities of every tenant in creation order: `publicKey` = `PUBLIC`, `listKey`. */
  public: 'PublicIndex',
} as const;

/** Each index's key attributes (besides the table's `pk` and `sk`): what a query's ExclusiveStartKey on it names. */
const INDEX_KEY_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  [INDEX.name]: ['nameKey', 'nameScope'],
  [INDEX.tenant]: ['tenantKey', 'listKey'],
  [INDEX.public]: ['publicKey', 'listKey'],
};

/** The key of an item as a query on `indexName` positions it: a query resumed from it starts right after the item. */
export function indexKeyOf(item: Record<string, unknown>, indexName: string): Record<string, unknown> {
  const names = ['pk', 'sk', ...(INDEX_KEY_ATTRIBUTES[indexName] ?? [])];
  return Object.fromEntries(names.map((name) => [name, item[name]]));
}

export const entityPk = (id: string): string => `ENTITY#${id}`;
export const tenantPartition = (tenantId: string): string => `TENANT#${tenantId}`;
export const nameScopePrefix = (tenantId: string): string => `${tenantId}#`;

export interface EntityItem {
  pk: string;
  sk: string;
  type: 'Entity';
  id: string;
  tenantId: string;
  name: string;
  attributes: Entity['attributes'];
  visibility: Entity['visibility'];
  version: number;
  createdAt: string;
  updatedAt: string;
  nameKey: string;
  nameScope: string;
  tenantKey: string;
  listKey: string;
  publicKey?: string;
}

export function toItem(entity: Entity): EntityItem {
  return {
    pk: entityPk(entity.id),
    sk: ENTITY_SK,
    type: 'Entity',
    id: entity.id,
    tenantId: entity.tenantId,
    name: entity.name,
    attributes: entity.attributes,
    visibility: entity.visibility,
    version: entity.version,
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
    nameKey: normalizeName(entity.name),
    nameScope: `${nameScopePrefix(entity.tenantId)}${entity.id}`,
    tenantKey: tenantPartition(entity.tenantId),
    listKey: `${entity.createdAt}#${entity.id}`,
    ...(entity.visibility === 'public' && { publicKey: PUBLIC_PARTITION }),
  };
}

export function isEntityItem(item: Record<string, unknown>): boolean {
  return item['type'] === ENTITY_TYPE;
}

/** The deleted entity's item: no index keys (it leaves every index), version + 1, a TTL. */
export function toTombstoneItem(entity: Entity, deletedAt: string): Record<string, unknown> {
  return {
    pk: entityPk(entity.id),
    sk: ENTITY_SK,
    type: TOMBSTONE_TYPE,
    id: entity.id,
    tenantId: entity.tenantId,
    name: entity.name,
    version: entity.version + 1,
    deletedAt,
    expiresAt: Math.floor(Date.parse(deletedAt) / 1000) + TOMBSTONE_RETENTION_SECONDS,
  };
}

/** What a tombstone item says of the deleted entity (a stream image, a consistent read). */
export function fromTombstoneItem(item: Record<string, unknown>): Tombstone {
  return { id: String(item['id']), tenantId: String(item['tenantId']), name: String(item['name']), version: Number(item['version']), deletedAt: String(item['deletedAt']) };
}

export function fromItem(item: Record<string, unknown>): Entity {
  const i = item as unknown as EntityItem;
  return {
    id: i.id,
    tenantId: i.tenantId,
    name: i.name,
    attributes: i.attributes ?? {},
    visibility: i.visibility,
    version: Number(i.version),
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
  };
}

/**
 * The per-tenant name claim that makes names unique: one item per (tenant, normalized name),
 * written and deleted in the same transaction as the entity that holds it.
 */
export const NAME_CLAIM_SK = 'NAME';

export function nameClaimKey(tenantId: string, name: string): { pk: string; sk: string } {
  return { pk: `NAME#${tenantId}#${normalizeName(name)}`, sk: NAME_CLAIM_SK };
}

export function toNameClaimItem(entity: Entity): Record<string, string> {
  return { ...nameClaimKey(entity.tenantId, entity.name), type: 'NameClaim', tenantId: entity.tenantId, entityId: entity.id };
}
