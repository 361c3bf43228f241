import { PostgresEntitySearch } from '../adapters/postgres/PostgresEntitySearch.ts';
import { PostgresEntityStats } from '../adapters/postgres/PostgresEntityStats.ts';
import { EntityQueries } from '../domain/readModelQueries.ts';
import { loadCursorSigningKey } from './cursorSigningKey.ts';
import { once } from './once.ts';
import { loadReadModelPool } from './readModel.ts';

/** Search and stats over the read model: the container's pool, and the cursor signing key (fetched on the first search; stats never need it). */
export const loadEntityQueries: () => Promise<EntityQueries> = once(async () => {
  const db = await loadReadModelPool();
  return new EntityQueries({ search: new PostgresEntitySearch(db, loadCursorSigningKey), stats: new PostgresEntityStats(db) });
});
