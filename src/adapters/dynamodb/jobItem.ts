/**
 * A job's items in the entities table: `pk = JOB#<id>`, `sk` = `STATUS` (its record) or
 * `CHECKPOINT` (the worker's), no index keys, so no index and no entity event sees them; removed
 * by the TTL (`expiresAt`) a retention period after their last change.
 */
export type JobItemSort = 'STATUS' | 'CHECKPOINT';

export const jobItemKey = (jobId: string, sk: JobItemSort) => ({ pk: `JOB#${jobId}`, sk });

/** Job records (and a tenant's job slots) are kept this long after their last change (the table's TTL). */
export const JOB_RETENTION_SECONDS = 30 * 24 * 3600;

/** The TTL epoch (`expiresAt`, seconds) of an item last changed at `updatedAt`. */
export const jobItemExpiry = (updatedAt: string, retentionSeconds: number): number => Math.floor(Date.parse(updatedAt) / 1000) + retentionSeconds;

const ITEM_FIELDS = ['pk', 'sk', 'type', 'expiresAt'];

/** The stored item without the table's own fields (keys, type, TTL): the record or checkpoint as written. */
export function fromJobItem<T>(item: Record<string, unknown>): T {
  const value: Record<string, unknown> = { ...item };
  for (const field of ITEM_FIELDS) delete value[field];
  return value as T;
}
