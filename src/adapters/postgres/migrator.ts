import { createHash } from 'node:crypto';
import type pg from 'pg';

export interface Migration {
  /** `NNNN_description`: applied in this order, recorded by this name. */
  readonly name: string;
  readonly sql: string;
}

export interface MigrationReport {
  readonly applied: readonly string[];
  readonly alreadyApplied: readonly string[];
}

/** Any constant shared by every runner of this service: they queue on it. */
const MIGRATION_LOCK_KEY = 7_421_003_911;
const NAME = /^\d{4}_[a-z0-9_]+$/;

const checksum = (sql: string): string => createHash('sha256').update(sql).digest('hex');

/**
 * Applies the migrations not applied yet, in name order, each in its own transaction together
 * with its row in `schema_migrations`. Idempotent: a second run applies nothing. A session
 * advisory lock makes concurrent runners (two deploys, `npm start` twice) wait for each other.
 * An applied migration whose file changed since is an error: add a new migration instead.
 */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[], log: (message: string) => void = () => undefined): Promise<MigrationReport> {
  const ordered = [...migrations].sort((a, b) => a.name.localeCompare(b.name));
  for (const m of ordered) if (!NAME.test(m.name)) throw new Error(`Migration name ${m.name} must look like 0003_add_something`);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        name text PRIMARY KEY,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations');
      const done = new Map(rows.map((r) => [r.name, r.checksum]));
      const applied: string[] = [];
      const alreadyApplied: string[] = [];
      for (const migration of ordered) {
        const sum = checksum(migration.sql);
        const recorded = done.get(migration.name);
        if (recorded !== undefined) {
          if (recorded !== sum) throw new Error(`Migration ${migration.name} was changed after it was applied; revert the change and add a new migration instead`);
          alreadyApplied.push(migration.name);
          continue;
        }
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [migration.name, sum]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw new Error(`Migration ${migration.name} failed and was rolled back: ${(error as Error).message}`, { cause: error });
        }
        applied.push(migration.name);
        log(`applied ${migration.name}`);
      }
      return { applied, alreadyApplied };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}
