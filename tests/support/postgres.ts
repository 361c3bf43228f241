import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { readMigrationFiles } from '../../src/adapters/postgres/migrationFiles.ts';
import { migrate } from '../../src/adapters/postgres/migrator.ts';

/** The machine's PostgreSQL (`.ci/run` starts it and exports DATABASE_URL); each run makes its own databases in it. */
export const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** A new, uniquely named database (`readmodel_<random>`), so parallel runs never share one; migrated unless told not to. */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `readmodel_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`The tests need PostgreSQL at ${SERVER_URL.replace(/\/\/[^@]*@/, '//')} (set DATABASE_URL): ${(error as Error).message}`);
  }
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const database: TestDatabase = {
    url: url.toString(),
    name,
    drop: async () => {
      const client = new pg.Client({ connectionString: SERVER_URL });
      await client.connect();
      try {
        // Let clients that are closing finish first: FORCE terminating a session mid-close surfaces
        // in its test process as an unhandled "terminating connection" error.
        for (let i = 0; i < 40; i++) {
          const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
          if (rows[0]?.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
  if (options.migrated !== false) {
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      await migrate(pool, await readMigrationFiles());
    } finally {
      await pool.end();
    }
  }
  return database;
}
