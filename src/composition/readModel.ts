import type pg from 'pg';
import { parseDatabaseConfig } from '../config/databaseConfig.ts';
import { openPool } from '../adapters/postgres/pool.ts';
import { once } from './once.ts';

/**
 * Composition root, read-model half: the database settings are validated at import (only the
 * functions that import this module need them); the container's one pool is made on first use
 * (after reading the proxy's endpoint parameter, in AWS) and connects then.
 */
export const databaseSettings = parseDatabaseConfig(process.env);
export const loadReadModelPool: () => Promise<pg.Pool> = once(() => openPool(databaseSettings));
