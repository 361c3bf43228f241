import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../migrations/index.ts';
import { readMigrationFiles } from '../../../src/adapters/postgres/migrationFiles.ts';
import { parseDatabaseConfig } from '../../../src/config/databaseConfig.ts';

describe('database configuration', () => {
  it('uses DATABASE_URL when set, else RDS Proxy with IAM auth', () => {
    expect(parseDatabaseConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x' })).toEqual({ kind: 'url', url: 'postgres://postgres@127.0.0.1:5432/x', poolMax: 2 });
    expect(parseDatabaseConfig({ AWS_REGION: 'eu-west-1', DB_PROXY_ENDPOINT: 'p.proxy-abc.eu-west-1.rds.amazonaws.com', DB_NAME: 'entities', DB_USER: 'app', DB_PORT: '5432' })).toEqual({
      kind: 'iam', host: 'p.proxy-abc.eu-west-1.rds.amazonaws.com', port: 5432, database: 'entities', user: 'app', region: 'eu-west-1', poolMax: 2,
    });
  });

  it('connects as DB_USER when it is set beside DATABASE_URL: each function as the role of its purpose (issue 18)', () => {
    expect(parseDatabaseConfig({ DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:5432/x', DB_USER: 'entity_reader' })).toEqual({ kind: 'url', url: 'postgres://entity_reader@127.0.0.1:5432/x', poolMax: 2 });
  });

  it('reads the proxy endpoint from its SSM parameter when the stage leaves DB_PROXY_ENDPOINT empty (a pinned endpoint wins)', () => {
    const deployed = { AWS_REGION: 'eu-west-1', DB_PROXY_ENDPOINT: '', DB_PROXY_ENDPOINT_PARAMETER: '/entity-platform/dev/database/proxy-endpoint', DB_NAME: 'entities', DB_USER: 'app', DB_PORT: '5432' };
    expect(parseDatabaseConfig(deployed)).toEqual({ kind: 'iam-parameter', hostParameter: '/entity-platform/dev/database/proxy-endpoint', port: 5432, database: 'entities', user: 'app', region: 'eu-west-1', poolMax: 2 });
    expect(parseDatabaseConfig({ ...deployed, DB_PROXY_ENDPOINT: 'p.proxy-abc.eu-west-1.rds.amazonaws.com' })).toMatchObject({ kind: 'iam', host: 'p.proxy-abc.eu-west-1.rds.amazonaws.com' });
  });

  it('fails naming each missing or bad variable', () => {
    expect(() => parseDatabaseConfig({ AWS_REGION: 'eu-west-1', DB_PROXY_ENDPOINT: '' })).toThrow(/DB_PROXY_ENDPOINT: is required unless DATABASE_URL or DB_PROXY_ENDPOINT_PARAMETER is set.*DB_NAME: is required unless DATABASE_URL is set.*DB_USER/);
    expect(() => parseDatabaseConfig({ AWS_REGION: 'eu-west-1', DB_PROXY_ENDPOINT: 'not a host!', DB_NAME: 'entities', DB_USER: 'app' })).toThrow(/DB_PROXY_ENDPOINT: must be a host name/);
    expect(() => parseDatabaseConfig({ AWS_REGION: 'eu-west-1', DB_PROXY_ENDPOINT_PARAMETER: 'proxy-endpoint', DB_NAME: 'entities', DB_USER: 'app' })).toThrow(/DB_PROXY_ENDPOINT_PARAMETER: must be an SSM parameter name/);
    expect(() => parseDatabaseConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must be a postgres:\/\/ URL/);
  });
});

describe('bundled migrations', () => {
  it('list exactly the files in migrations/, in order, with the same SQL', async () => {
    expect(MIGRATIONS).toEqual(await readMigrationFiles());
  });
});
