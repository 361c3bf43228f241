export const VISIBILITIES = ['public', 'private'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Attributes = { [key: string]: JsonValue };

/** The entity as stored and returned: the only shape that leaves the domain. */
export interface Entity {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly attributes: Attributes;
  readonly visibility: Visibility;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** An entity as a reader outside its tenant sees it (see `mayKnowTenant`): everything but the owner. */
export type EntityWithoutTenant = Omit<Entity, 'tenantId'>;

export function withoutTenant(entity: Entity): EntityWithoutTenant {
  return { id: entity.id, name: entity.name, attributes: entity.attributes, visibility: entity.visibility, version: entity.version, createdAt: entity.createdAt, updatedAt: entity.updatedAt };
}

/** Names compare case-insensitively after trimming (lookup key and, later, uniqueness key). */
export function normalizeName(name: string): string {
  return name.trim().normalize('NFC').toLowerCase();
}
