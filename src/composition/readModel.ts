import type pg from 'pg';
import { openPool } from '../adapters/postgres/pool.ts';
import { readDatabaseConfig } from '../config/databaseConfig.ts';
import { once } from './once.ts';

/**
 * Composition root, read-model half: the database settings are validated at import (only the
 * functions that import this module need them); the container's one pool is made on first use
 * (after reading the proxy's endpoint parameter, in AWS) and connects then.
 */
const databaseSettings = readDatabaseConfig();
export const loadReadModelPool: () => Promise<pg.Pool> = once(() => openPool(databaseSettings));
