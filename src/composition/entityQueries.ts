import { PostgresEntitySearch } from '../adapters/postgres/PostgresEntitySearch.ts';
import { PostgresEntityStats } from '../adapters/postgres/PostgresEntityStats.ts';
import { EntityQueries } from '../domain/readModelQueries.ts';
import { runtimeSettings } from './identity.ts';
import { once } from './once.ts';
import { pool } from './readModel.ts';

export { accessTokenVerifier } from './identity.ts';

/** Search and stats over the read model: the container's pool, and the cursor signing key of the runtime settings. */
export const entityQueries: () => Promise<EntityQueries> = once(async () => {
  const { cursorSigningKey } = await runtimeSettings();
  return new EntityQueries({ search: new PostgresEntitySearch(pool, cursorSigningKey), stats: new PostgresEntityStats(pool) });
});
