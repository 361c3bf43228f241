import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../scripts/lib/embeddedPostgres.ts';
import { freePort } from '../../scripts/lib/localStack.ts';
import { eventually } from '../support/eventually.ts';

/**
 * Issue 19, item 8: `npm start`'s embedded PostgreSQL (PGlite behind pglite-socket). A connection
 * without a user name ends PGlite's backend with a FATAL and, before the fix, left every later
 * connection hanging until npm start was restarted.
 */
describe('the embedded PostgreSQL of npm start (PGlite)', () => {
  let dir: string;
  let port: number;
  let embedded: EmbeddedPostgres;
  const logged: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'embedded-pg-'));
    port = await freePort();
    embedded = await startEmbeddedPostgres({ port, dataDir: dir, log: (m) => logged.push(m) });
  }, 120_000);
  afterAll(async () => {
    await embedded?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** One query on a connection of its own, answered within 5 s or failed. */
  async function query(config: pg.ClientConfig, sql: string, values: unknown[] = []): Promise<unknown[]> {
    const client = new pg.Client({ host: '127.0.0.1', port, database: 'postgres', connectionTimeoutMillis: 5_000, query_timeout: 5_000, ...config });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.query(sql, values)).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  const answers = (sql: string, values: unknown[] = []) => query({ user: 'postgres' }, sql, values).then((rows) => rows, (error: Error) => error);

  it('answers a connection without a user name with its error, and every connection after it, with the data kept', { timeout: 90_000 }, async () => {
    await query({ user: 'postgres' }, 'CREATE TABLE kept (v text)');
    await query({ user: 'postgres' }, 'INSERT INTO kept VALUES ($1)', ['before']);

    // pg sends no `user` in the startup packet when none is configured (and USER is unset).
    const previousUser = process.env['USER'];
    delete process.env['USER'];
    try {
      await expect(query({ user: undefined }, 'SELECT 1')).rejects.toThrow(/no PostgreSQL user name/);
    } finally {
      if (previousUser !== undefined) process.env['USER'] = previousUser;
    }

    const rows = await eventually(() => answers('SELECT v FROM kept'), (r) => Array.isArray(r), 60_000);
    expect(rows).toEqual([{ v: 'before' }]);
    expect(await query({ user: 'postgres' }, 'INSERT INTO kept VALUES ($1) RETURNING v', ['after'])).toEqual([{ v: 'after' }]);
    expect(logged.join('\n')).toMatch(/reopened on port/);
  });
});
