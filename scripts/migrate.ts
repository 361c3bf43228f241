/**
 * `npm run migrate`: applies migrations/*.sql to the database in DATABASE_URL (plain credentials;
 * deployed stages use `sls invoke -f migrate --stage <stage>` instead).
 */
import { parseDatabaseConfig } from '../src/config/databaseConfig.ts';
import { readMigrationFiles } from '../src/adapters/postgres/migrationFiles.ts';
import { migrate } from '../src/adapters/postgres/migrator.ts';
import { openPool } from '../src/adapters/postgres/pool.ts';
import { exitWithHelpIfAsked } from './lib/cli.ts';

exitWithHelpIfAsked('usage: DATABASE_URL=postgres://<user>@<host>:<port>/<database> npm run migrate\nApplies the pending migrations (migrations/*.sql) to that database; deployed stages migrate on each deploy.');

if (!process.env.DATABASE_URL) {
  console.error('Set DATABASE_URL, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/entities npm run migrate');
  process.exit(1);
}
const pool = await openPool(parseDatabaseConfig(process.env));
try {
  const report = await migrate(pool, await readMigrationFiles(), (message) => console.log(message));
  console.log(`${report.applied.length} migration(s) applied, ${report.alreadyApplied.length} already applied`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await pool.end();
}
