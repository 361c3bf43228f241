import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Jwks } from 'aws-jwt-verify/jwk';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokenVerifier } from '../../src/adapters/identity/accessTokenVerifier.ts';
import { ensureLocalIssuer, mintLocalAccessToken } from '../../src/adapters/identity/localIssuer.ts';
import { UnauthenticatedError } from '../../src/domain/errors.ts';

const POOL = 'eu-west-1_TestPool1';
const ISSUER = `https://cognito-idp.eu-west-1.amazonaws.com/${POOL}`;
let dir: string;
let jwks: Jwks;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verifier-'));
  await ensureLocalIssuer(dir);
  jwks = JSON.parse(await readFile(join(dir, 'jwks.json'), 'utf8')) as Jwks;
});

/** A token shaped and signed as the Cognito pool would issue it (the pool's JWKS is pre-loaded). */
const cognitoToken = (claims: Record<string, unknown> = {}) =>
  mintLocalAccessToken(dir, { tenantId: 'acme', subject: 'user-1', clientId: 'app-client', groups: ['admin'], claims: { iss: ISSUER, ...claims } });

describe('createAccessTokenVerifier (Cognito mode)', () => {
  const verifier = () => createAccessTokenVerifier({ provider: 'cognito', userPoolId: POOL, clientIds: ['app-client', 'service-client'], jwks });

  it('turns a valid access token into the caller', async () => {
    const principal = await verifier().verify(await cognitoToken());
    expect(principal).toEqual({ subject: 'user-1', tenantId: 'acme', scopes: new Set(['entities/read', 'entities/write']), groups: new Set(['admin']) });
  });

  it.each([
    ['an id token', { token_use: 'id', aud: 'app-client' }],
    ['another client', { client_id: 'stranger' }],
    ['another pool', { iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other' }],
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 60 }],
    ['no tenant claim', { tenant_id: undefined }],
    ['a tenant id that is not a safe key', { tenant_id: 'a#b' }],
  ])('rejects %s as unauthenticated', async (_label, claims) => {
    await expect(verifier().verify(await cognitoToken(claims))).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('says "expired" for an expired token', async () => {
    await expect(verifier().verify(await cognitoToken({ exp: Math.floor(Date.now() / 1000) - 60 }))).rejects.toThrow(/expired/);
  });
});

describe('createAccessTokenVerifier (local mode)', () => {
  it('checks token_use and client id like Cognito does', async () => {
    const local = createAccessTokenVerifier({ provider: 'local', issuer: 'https://local-issuer.invalid/entity-platform', clientIds: ['local-app-client'], jwks });
    await expect(local.verify(await mintLocalAccessToken(dir, { tenantId: 'acme' }))).resolves.toMatchObject({ tenantId: 'acme' });
    await expect(local.verify(await mintLocalAccessToken(dir, { tenantId: 'acme', claims: { token_use: 'id' } }))).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(local.verify(await mintLocalAccessToken(dir, { tenantId: 'acme', clientId: 'x' }))).rejects.toBeInstanceOf(UnauthenticatedError);
  });
});
