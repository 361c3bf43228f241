import m0001 from './0001_entities.sql';
import m0002 from './0002_reconciliation_state.sql';
import m0003 from './0003_database_roles.sql';
import type { Migration } from '../src/adapters/postgres/migrator.ts';

/**
 * The migrations, bundled into the `migrate` function as text (esbuild's `.sql` text loader).
 * Scripts and tests read the same files from disk; a unit test checks this list matches them.
 */
export const MIGRATIONS: readonly Migration[] = [
  { name: '0001_entities', sql: m0001 },
  { name: '0002_reconciliation_state', sql: m0002 },
  { name: '0003_database_roles', sql: m0003 },
];
