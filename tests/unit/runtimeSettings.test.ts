import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPool } from '../../src/adapters/postgres/pool.ts';
import { readElastiCacheSettings } from '../../src/adapters/redis/elastiCacheSettings.ts';
import { readCursorSigningKey } from '../../src/adapters/settings/runtimeSettings.ts';
import { CREDENTIALS, expectValidSignature, type Received } from '../support/sigv4.ts';

/**
 * Secrets Manager and SSM have no local peer: a local HTTP server stands in for both endpoints,
 * records the exact requests (headers, body) and checks each SigV4 signature with an independent
 * implementation of the algorithm (tests/support/sigv4.ts).
 */
let server: Server;
let endpoint: string;
let received: Received[] = [];
let answers: { status: number; body: unknown }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), path: req.url ?? '' });
      const answer = answers.shift() ?? { status: 500, body: { __type: 'InternalFailure', message: 'no answer queued' } };
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(process.env, CREDENTIALS, { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint, AWS_ENDPOINT_URL_SSM: endpoint });
});
afterAll(async () => {
  for (const key of [...Object.keys(CREDENTIALS), 'AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_ENDPOINT_URL_SSM']) delete process.env[key];
  await new Promise((resolve) => server.close(resolve));
});
afterEach(() => {
  received = [];
  answers = [];
});

describe('readCursorSigningKey', () => {
  it('sends the GetSecretValue request the SDK would, SigV4-signed with the environment credentials', async () => {
    answers.push({ status: 200, body: { SecretString: JSON.stringify({ cursorSigningKey: 'k'.repeat(64) }) } });
    expect(await readCursorSigningKey('entity-platform/dev/runtime', 'eu-west-1')).toBe('k'.repeat(64));
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.path).toBe('/');
    expect(JSON.parse(request!.body)).toEqual({ SecretId: 'entity-platform/dev/runtime' });
    expect(request!.headers).toMatchObject({ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue', 'x-amz-security-token': CREDENTIALS.AWS_SESSION_TOKEN });
    expectValidSignature(request!, 'secretsmanager', 'eu-west-1');
  });

  it('fails with the secret name and the bad field when the secret is malformed', async () => {
    answers.push({ status: 200, body: { SecretString: JSON.stringify({ cursorSigningKey: 'short' }) } });
    await expect(readCursorSigningKey('entity-platform/prod/runtime', 'eu-west-1')).rejects.toThrow(/entity-platform\/prod\/runtime is malformed: cursorSigningKey: Too small/);
  });
});

describe('openPool', () => {
  const settings = { kind: 'iam-parameter', hostParameter: '/entity-platform/dev/database/proxy-endpoint', port: 5432, database: 'entities', user: 'app', region: 'eu-west-1', poolMax: 2 } as const;

  it('reads the RDS Proxy endpoint from its SSM parameter (the exact request), then pools connections to it', async () => {
    answers.push({ status: 200, body: { Parameter: { Name: settings.hostParameter, Type: 'String', Value: 'entity-platform-dev.proxy-abc123.eu-west-1.rds.amazonaws.com' } } });
    const pool = await openPool(settings);
    try {
      expect(pool.options).toMatchObject({ host: 'entity-platform-dev.proxy-abc123.eu-west-1.rds.amazonaws.com', port: 5432, database: 'entities', user: 'app', max: 2, ssl: { rejectUnauthorized: true } });
      expect(received).toHaveLength(1);
      expect(received[0]!.headers['x-amz-target']).toBe('AmazonSSM.GetParameter');
      expect(JSON.parse(received[0]!.body)).toEqual({ Name: settings.hostParameter });
      expectValidSignature(received[0]!, 'ssm', 'eu-west-1');
    } finally {
      await pool.end();
    }
  });

  it('fails naming the parameter when it holds nothing', async () => {
    answers.push({ status: 200, body: { Parameter: { Name: settings.hostParameter, Type: 'String', Value: ' ' } } });
    await expect(openPool(settings)).rejects.toThrow('SSM parameter /entity-platform/dev/database/proxy-endpoint holds no RDS Proxy endpoint');
  });
});

describe('readElastiCacheSettings', () => {
  it('reads the endpoint parameter and the AUTH token secret, each with its exact request', async () => {
    // Both requests go out together; the stand-in answers by target.
    const token = 't'.repeat(64);
    server.removeAllListeners('request');
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), path: req.url ?? '' };
        received.push(request);
        const body = req.headers['x-amz-target'] === 'AmazonSSM.GetParameter' ? { Parameter: { Name: '/entity-platform/dev/cache/endpoint', Type: 'String', Value: 'master.cache.abc.euw1.cache.amazonaws.com' } } : { SecretString: JSON.stringify({ authToken: token }) };
        res.writeHead(200).end(JSON.stringify(body));
      });
    });
    const settings = await readElastiCacheSettings({ endpointParameter: '/entity-platform/dev/cache/endpoint', authSecretId: 'entity-platform/dev/cache' }, 'eu-west-1');
    expect(settings).toEqual({ host: 'master.cache.abc.euw1.cache.amazonaws.com', port: 6379, authToken: token });
    const ssm = received.find((r) => r.headers['x-amz-target'] === 'AmazonSSM.GetParameter')!;
    const secrets = received.find((r) => r.headers['x-amz-target'] === 'secretsmanager.GetSecretValue')!;
    expect(JSON.parse(ssm.body)).toEqual({ Name: '/entity-platform/dev/cache/endpoint' });
    expect(JSON.parse(secrets.body)).toEqual({ SecretId: 'entity-platform/dev/cache' });
    expectValidSignature(ssm, 'ssm', 'eu-west-1');
    expectValidSignature(secrets, 'secretsmanager', 'eu-west-1');
  });
});
