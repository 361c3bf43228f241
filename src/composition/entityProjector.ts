import { PostgresEntityProjector } from '../adapters/postgres/PostgresEntityProjector.ts';
import type { EntityProjector } from '../domain/ports.ts';
import { once } from './once.ts';
import { loadReadModelPool } from './readModel.ts';

/** The projector consumer's projection of entity events, over the container's pool (a module of its own: search, stats and the migrations bundle no projection). */
export const loadEntityProjector: () => Promise<EntityProjector> = once(async () => new PostgresEntityProjector(await loadReadModelPool()));
