import { withoutTenant, type Entity, type EntityWithoutTenant } from './entity.ts';
import { ForbiddenError, UnauthenticatedError } from './errors.ts';

export const SCOPES = { read: 'entities/read', write: 'entities/write' } as const;
export const ADMIN_GROUP = 'admin';

/**
 * A verified caller. Built only from verified token claims (the authorizer context or the
 * shared verifier); nothing in a request body, path or query can set these fields.
 */
export interface Principal {
  readonly subject: string;
  readonly tenantId: string;
  readonly scopes: ReadonlySet<string>;
  readonly groups: ReadonlySet<string>;
  /** When the token expires (its `exp`, seconds since the epoch): nothing may act for it afterwards. Absent for callers without a token (the worker acting for a job). */
  readonly expiresAt?: number;
}

/** Tenant ids become part of storage keys: keep them to a safe alphabet. */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isAdmin(principal: Principal): boolean {
  return principal.groups.has(ADMIN_GROUP);
}

export function requireScope(principal: Principal | undefined, scope: string): Principal {
  if (!principal) throw new UnauthenticatedError();
  if (!principal.scopes.has(scope)) {
    throw new ForbiddenError(`The access token lacks the "${scope}" scope; request a token with that scope.`);
  }
  return principal;
}

/**
 * Which entities a read may see:
 * - `tenant`: the caller's tenant, any visibility (the secure API);
 * - `public`: public entities of every tenant (anonymous callers of the data API);
 * - `public-and-tenant`: both (authenticated callers of the data API).
 * `admin` never widens this beyond the caller's own tenant.
 */
export type ReadScope =
  | { readonly kind: 'tenant'; readonly tenantId: string }
  | { readonly kind: 'public' }
  | { readonly kind: 'public-and-tenant'; readonly tenantId: string };

export type Channel = 'secure' | 'data';

export function readScopeFor(principal: Principal | undefined, channel: Channel): ReadScope {
  if (channel === 'data' && !principal) return { kind: 'public' };
  const reader = requireScope(principal, SCOPES.read);
  return channel === 'secure' ? { kind: 'tenant', tenantId: reader.tenantId } : { kind: 'public-and-tenant', tenantId: reader.tenantId };
}

/**
 * Whether a reader may learn which tenant owns an entity: only its own tenant's readers. Anyone
 * else (anonymous callers and other tenants reading public entities on /data) gets the entity
 * without `tenantId`, so public entities do not enumerate the tenants.
 */
export function mayKnowTenant(scope: ReadScope, entity: { tenantId: string }): boolean {
  return scope.kind !== 'public' && scope.tenantId === entity.tenantId;
}

/** The entity as this reader is shown it: without `tenantId` unless the reader may know the owner. */
export function asSeenBy(scope: ReadScope, entity: Entity): Entity | EntityWithoutTenant {
  return mayKnowTenant(scope, entity) ? entity : withoutTenant(entity);
}

export function canSee(scope: ReadScope, entity: { tenantId: string; visibility: string }): boolean {
  switch (scope.kind) {
    case 'tenant':
      return entity.tenantId === scope.tenantId;
    case 'public':
      return entity.visibility === 'public';
    case 'public-and-tenant':
      return entity.visibility === 'public' || entity.tenantId === scope.tenantId;
  }
}
