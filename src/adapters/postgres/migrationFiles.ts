import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Migration } from './migrator.ts';

export const MIGRATIONS_DIR = resolve(import.meta.dirname, '..', '..', '..', 'migrations');

/** The migrations as files (`migrations/NNNN_*.sql`), for scripts and tests that run from the source tree. */
export async function readMigrationFiles(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  return Promise.all(files.map(async (file) => ({ name: file.replace(/\.sql$/, ''), sql: await readFile(join(dir, file), 'utf8') })));
}
