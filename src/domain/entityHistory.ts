import type { EntityEvent } from './entityEvents.ts';
import type { PageQuery } from './entitySchemas.ts';
import { NotFoundError } from './errors.ts';
import type { AuditTrail, Page } from './ports.ts';
import { requireScope, SCOPES, type Principal } from './principal.ts';

/**
 * An entity's changes, newest first, for readers of its tenant (deleted entities included: the
 * trail outlives them). No trail for this tenant is a 404, like any entity it may not see.
 * The trail is written from the event stream, so it trails a write by the event latency.
 */
export async function readEntityHistory(trail: AuditTrail, principal: Principal | undefined, entityId: string, query: PageQuery): Promise<Page<EntityEvent>> {
  const reader = requireScope(principal, SCOPES.read);
  const page = await trail.history(reader.tenantId, entityId, { limit: query.limit, ...(query.cursor !== undefined && { cursor: query.cursor }) });
  if (page.items.length === 0 && query.cursor === undefined) throw new NotFoundError(`No history for entity ${entityId} exists, or you may not see it.`);
  return page;
}
