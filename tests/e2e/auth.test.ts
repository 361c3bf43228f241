import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { signLocalJwt } from '../../src/local/localIssuer.ts';
import { api, READ_WRITE, token, uniqueTenant } from '../support/api.ts';
import { expectProblem } from '../support/expectProblem.ts';

const SECURE = '/api/v1/secure/entities';
const DATA = '/api/v1/data/entities';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Bad tokens, each really built: only one property differs from a good token. */
async function badTokens(tenantId: string): Promise<Record<string, string>> {
  const good = await token({ tenantId, scopes: READ_WRITE });
  const [header, payload] = good.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  const now = Math.floor(Date.now() / 1000);
  const foreignKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const foreignSigned = `${header}.${payload}`;
  return {
    expired: await token({ tenantId, scopes: READ_WRITE, claims: { iat: now - 7200, exp: now - 3600 } }),
    'wrong client': await token({ tenantId, scopes: READ_WRITE, clientId: 'someone-elses-client' }),
    'id token': await token({ tenantId, scopes: READ_WRITE, claims: { token_use: 'id', aud: 'local-app-client' } }),
    'wrong issuer': await token({ tenantId, scopes: READ_WRITE, claims: { iss: 'https://evil.invalid/issuer' } }),
    'no tenant': await token({ tenantId, scopes: READ_WRITE, claims: { tenant_id: undefined } }),
    'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
    'tampered payload': `${header}.${b64({ ...claims, tenant_id: 'someone-else' })}.${good.split('.')[2]}`,
    'tampered signature': `${good.slice(0, -6)}${good.slice(-6).split('').reverse().join('') === good.slice(-6) ? 'AAAAAA' : good.slice(-6).split('').reverse().join('')}`,
    'signed by another key': `${foreignSigned}.${sign('RSA-SHA256', Buffer.from(foreignSigned), foreignKey).toString('base64url')}`,
    'HS256 with the public key': await signLocalJwt(inject('issuerDir'), claims, { alg: 'HS256' }),
    garbage: 'not-a-jwt',
  };
}

describe('authentication and authorization (really signed, really verified)', () => {
  it('rejects a request without a token on the secure API with 401', async () => {
    const response = await api('GET', SECURE);
    expect(response.status).toBe(401);
    expect((await api('POST', SECURE, { body: { name: 'x' } })).status).toBe(401);
    // Locally too, the gateway's own answer is its problem+json gateway response (resources/api-gateway.yml), not the emulator's JSON (issue 18).
    const problem = expectProblem(response, 401);
    expect(problem.type).toBe('urn:entity-platform:problem:unauthenticated');
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('rejects every kind of bad token with 401 on the secure and the data API', async () => {
    const tenantId = uniqueTenant();
    for (const [kind, bad] of Object.entries(await badTokens(tenantId))) {
      const secure = await api('GET', SECURE, { token: bad });
      expect(secure.status, `${kind} on /secure`).toBe(401);
      const data = await api('GET', DATA, { token: bad });
      expect(data.status, `${kind} on /data (never silently anonymous)`).toBe(401);
      expect(data.headers.get('www-authenticate'), kind).toMatch(/^Bearer /);
      expect(data.headers.get('content-type'), kind).toMatch(/^application\/problem\+json/);
    }
  });

  it('requires entities/write to write and entities/read to read (403 naming the scope)', async () => {
    const tenantId = uniqueTenant();
    const readOnly = await token({ tenantId, scopes: ['entities/read'] });
    const writeOnly = await token({ tenantId, scopes: ['entities/write'] });
    const denied = expectProblem(await api('POST', SECURE, { token: readOnly, body: { name: 'nope' } }), 403);
    expect(denied.detail).toContain('entities/write');
    const created = await api('POST', SECURE, { token: writeOnly, body: { name: 'write only' } });
    expect(created.status).toBe(201);
    expect(expectProblem(await api('GET', `${SECURE}/${created.body.id}`, { token: writeOnly }), 403).detail).toContain('entities/read');
    expectProblem(await api('GET', `${DATA}/${created.body.id}`, { token: writeOnly }), 403);
    expect((await api('GET', `${SECURE}/${created.body.id}`, { token: readOnly })).status).toBe(200);
  });

  it('takes the tenant only from the verified token, never from the request', async () => {
    const tenantId = uniqueTenant();
    const t = await token({ tenantId, scopes: READ_WRITE });
    const spoofed = await api('POST', SECURE, { token: t, body: { name: 'spoof', tenantId: 'victim' } });
    expect(expectProblem(spoofed, 400).errors).toEqual([{ path: '/tenantId', message: expect.stringContaining('set by the service') }]);
    const created = await api('POST', SECURE, { token: t, headers: { 'X-Tenant-Id': 'victim' }, body: { name: 'honest' } });
    expect(created.body.tenantId).toBe(tenantId);
  });

  it('answers the health check without a token', async () => {
    const health = await api('GET', '/api/v1/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok', stage: 'local' });
  });
});
