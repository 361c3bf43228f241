import { PostgresEntitySearch } from '../adapters/postgres/PostgresEntitySearch.ts';
import { PostgresEntityStats } from '../adapters/postgres/PostgresEntityStats.ts';
import { EntityQueries } from '../domain/readModelQueries.ts';
import { cursorSigningKey } from './cursorSigningKey.ts';
import { once } from './once.ts';
import { pool } from './readModel.ts';

/** Search and stats over the read model: the container's pool, and the cursor signing key (fetched on the first search; stats never need it). */
export const entityQueries: () => Promise<EntityQueries> = once(async () => {
  const db = await pool();
  return new EntityQueries({ search: new PostgresEntitySearch(db, cursorSigningKey), stats: new PostgresEntityStats(db) });
});
