import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../migrations/index.ts';
import { readMigrationFiles } from '../../src/adapters/postgres/migrationFiles.ts';
import { parseDatabaseConfig } from '../../src/config/databaseConfig.ts';

describe('database configuration', () => {
  it('uses DATABASE_URL when set, else RDS Proxy with IAM auth', () => {
    expect(parseDatabaseConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x' })).toEqual({ kind: 'url', url: 'postgres://postgres@127.0.0.1:5432/x', poolMax: 2 });
    expect(parseDatabaseConfig({ AWS_REGION: 'eu-west-1', DB_PROXY_ENDPOINT: 'p.proxy-abc.eu-west-1.rds.amazonaws.com', DB_NAME: 'entities', DB_USER: 'app', DB_PORT: '5432' })).toEqual({
      kind: 'iam', host: 'p.proxy-abc.eu-west-1.rds.amazonaws.com', port: 5432, database: 'entities', user: 'app', region: 'eu-west-1', poolMax: 2,
    });
  });

  it('fails naming each missing or bad variable', () => {
    expect(() => parseDatabaseConfig({ AWS_REGION: 'eu-west-1', DB_PROXY_ENDPOINT: '' })).toThrow(/DB_PROXY_ENDPOINT: must be a host name.*DB_NAME: is required unless DATABASE_URL is set.*DB_USER/);
    expect(() => parseDatabaseConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must be a postgres:\/\/ URL/);
  });
});

describe('bundled migrations', () => {
  it('list exactly the files in migrations/, in order, with the same SQL', async () => {
    expect(MIGRATIONS).toEqual(await readMigrationFiles());
  });
});
