import { parseDatabaseConfig } from '../config/databaseConfig.ts';
import { createPool } from '../adapters/postgres/pool.ts';

/**
 * Composition root, read-model half: the database settings are validated at import (only the
 * functions that import this module need them) and the container's one pool is created here,
 * outside any handler; it connects on first use.
 */
export const databaseSettings = parseDatabaseConfig(process.env);
export const pool = createPool(databaseSettings);
