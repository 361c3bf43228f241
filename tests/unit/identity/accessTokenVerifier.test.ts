import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Jwks } from 'aws-jwt-verify/jwk';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokenVerifier, rememberVerified } from '../../../src/identity/accessTokenVerifier.ts';
import { ensureLocalIssuer, mintLocalAccessToken } from '../../../src/local/localIssuer.ts';
import { UnauthenticatedError } from '../../../src/domain/errors.ts';

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
    expect(principal).toMatchObject({ subject: 'user-1', tenantId: 'acme', scopes: new Set(['entities/read', 'entities/write']), groups: new Set(['admin']) });
    expect(principal.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  it.each([
    ['an id token', { token_use: 'id', aud: 'app-client' }],
    ['another client', { client_id: 'stranger' }],
    ['another pool', { iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other' }],
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 60 }],
    ['no tenant claim', { tenant_id: undefined }],
    ['a tenant id that is not a safe key', { tenant_id: 'a#b' }],
    ['a token without exp (issue 18)', { exp: undefined }],
    ['a token without iat', { iat: undefined }],
    ['a token issued in the future (issue 18)', { iat: Math.floor(Date.now() / 1000) + 600 }],
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

  it('refuses tokens without exp, and tokens issued in the future (issue 18); a few seconds of clock skew pass', async () => {
    const local = createAccessTokenVerifier({ provider: 'local', issuer: 'https://local-issuer.invalid/entity-platform', clientIds: ['local-app-client'], jwks });
    const now = Math.floor(Date.now() / 1000);
    await expect(local.verify(await mintLocalAccessToken(dir, { tenantId: 'acme', claims: { exp: undefined } }))).rejects.toThrow(/no expiry/);
    await expect(local.verify(await mintLocalAccessToken(dir, { tenantId: 'acme', claims: { iat: now + 3600 } }))).rejects.toThrow(/issued in the future/);
    await expect(local.verify(await mintLocalAccessToken(dir, { tenantId: 'acme', claims: { iat: now + 2 } }))).resolves.toMatchObject({ tenantId: 'acme' });
  });
});

describe('rememberVerified', () => {
  const caller = { subject: 'user-1', tenantId: 'acme', scopes: new Set(['entities/read']), groups: new Set<string>() };
  function counting(expiresAtMs: number) {
    const seen: string[] = [];
    const verify = (token: string) => {
      seen.push(token);
      if (token.startsWith('bad')) return Promise.reject(new UnauthenticatedError('The access token is invalid.'));
      return Promise.resolve({ principal: { ...caller, subject: token }, expiresAtMs });
    };
    return { seen, verify };
  }

  it('checks a token once, then answers from memory until it expires, then says "expired"', async () => {
    let now = 1_000;
    const inner = counting(5_000);
    const verifier = rememberVerified(inner.verify, { now: () => now });
    expect((await verifier.verify('t1')).subject).toBe('t1');
    expect((await verifier.verify('t1')).subject).toBe('t1');
    expect(inner.seen).toEqual(['t1']);
    now = 5_000;
    await expect(verifier.verify('t1')).rejects.toThrow('The access token has expired; obtain a new one.');
  });

  it('never remembers a rejection, and keeps at most maxEntries tokens, least recently used out first', async () => {
    const inner = counting(Number.MAX_SAFE_INTEGER);
    const verifier = rememberVerified(inner.verify, { maxEntries: 2 });
    await expect(verifier.verify('bad')).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(verifier.verify('bad')).rejects.toBeInstanceOf(UnauthenticatedError);
    await verifier.verify('a');
    await verifier.verify('b');
    await verifier.verify('a'); // a is now the most recently used
    await verifier.verify('c'); // evicts b
    await verifier.verify('a');
    await verifier.verify('b');
    expect(inner.seen).toEqual(['bad', 'bad', 'a', 'b', 'c', 'b']);
  });

  it('does not remember a token that is already expired when checked', async () => {
    const inner = counting(0);
    const verifier = rememberVerified(inner.verify);
    await verifier.verify('t');
    await verifier.verify('t');
    expect(inner.seen).toEqual(['t', 't']);
  });

  it('remembers real verifications: a remembered token still expires at its exp', async () => {
    let now = Date.now();
    const verifier = createAccessTokenVerifier({ provider: 'cognito', userPoolId: POOL, clientIds: ['app-client'], jwks }, { now: () => now });
    const token = await cognitoToken({ exp: Math.floor(now / 1000) + 60 });
    expect((await verifier.verify(token)).subject).toBe('user-1');
    now += 61_000;
    await expect(verifier.verify(token)).rejects.toThrow('The access token has expired; obtain a new one.');
  });
});
