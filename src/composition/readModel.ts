import type pg from 'pg';
import { openPool } from '../adapters/postgres/pool.ts';
import { PostgresEntityProjector } from '../adapters/postgres/PostgresEntityProjector.ts';
import { readDatabaseConfig } from '../config/databaseConfig.ts';
import type { EntityProjector } from '../domain/ports.ts';
import { once } from './once.ts';

/**
 * Composition root, read-model half: the database settings are validated at import (only the
 * functions that import this module need them); the container's one pool is made on first use
 * (after reading the proxy's endpoint parameter, in AWS) and connects then.
 */
const databaseSettings = readDatabaseConfig();
export const loadReadModelPool: () => Promise<pg.Pool> = once(() => openPool(databaseSettings));

/** The projector consumer's projection of entity events, over the container's pool. */
export const loadEntityProjector: () => Promise<EntityProjector> = once(async () => new PostgresEntityProjector(await loadReadModelPool()));
