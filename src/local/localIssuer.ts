import { createHash, createPrivateKey, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Jwk, Jwks } from 'aws-jwt-verify/jwk';
import { readLocalConfig } from '../config/localConfig.ts';
import { TENANT_CLAIM, type IdentitySettings } from '../identity/identitySettings.ts';

/**
 * The `local` stage's token issuer: an RSA key pair that `npm start` generates, and tokens shaped
 * like Cognito access tokens. Only the `local` stage trusts it; bundles for other stages do not
 * contain this module (see src/composition/localStage.ts).
 */
export const LOCAL_ISSUER = 'https://local-issuer.invalid/entity-platform';
export const LOCAL_CLIENTS = { app: 'local-app-client', service: 'local-service-client' } as const;

const PRIVATE_KEY_FILE = 'private-key.pem';
const JWKS_FILE = 'jwks.json';

export async function ensureLocalIssuer(dir: string): Promise<void> {
  try {
    await readFile(join(dir, PRIVATE_KEY_FILE));
    return;
  } catch {
    // first run: generate below
  }
  await mkdir(dir, { recursive: true });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const kid = createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n })).digest('base64url');
  const jwks = { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] };
  // Write the public half first and rename the private key into place last, so a concurrent
  // reader never sees a private key without its JWKS.
  await writeFile(join(dir, JWKS_FILE), JSON.stringify(jwks, null, 2));
  const tmp = join(dir, `${PRIVATE_KEY_FILE}.${process.pid}.tmp`);
  await writeFile(tmp, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  await rename(tmp, join(dir, PRIVATE_KEY_FILE));
}

/** What the local stage takes from its issuer in place of the user pool and the runtime secret. */
export interface LocalRuntimeSettings {
  readonly identity: IdentitySettings;
  readonly cursorSigningKey: string;
}

/** The `local` stage's runtime settings: trust this issuer's JWKS; sign cursors with a fixed dev key. */
export async function localRuntimeSettings(): Promise<LocalRuntimeSettings> {
  const settings = readLocalConfig();
  const jwks = JSON.parse(await readFile(join(settings.LOCAL_ISSUER_DIR, JWKS_FILE), 'utf8')) as Jwks;
  const identity: IdentitySettings = { provider: 'local', issuer: LOCAL_ISSUER, clientIds: Object.values(LOCAL_CLIENTS), jwks };
  return { identity, cursorSigningKey: settings.CURSOR_SIGNING_KEY };
}

export interface MintOptions {
  readonly tenantId: string;
  readonly scopes?: readonly string[];
  readonly groups?: readonly string[];
  readonly subject?: string;
  readonly clientId?: string;
  readonly lifetimeSeconds?: number;
  /** Extra or overriding claims (tests use this to mint deliberately bad tokens). */
  readonly claims?: Record<string, unknown>;
}

/** Mints an access token the way Cognito shapes one, with the tenant claim the trigger adds. */
export async function mintLocalAccessToken(dir: string, options: MintOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    sub: options.subject ?? randomUUID(),
    iss: LOCAL_ISSUER,
    client_id: options.clientId ?? LOCAL_CLIENTS.app,
    token_use: 'access',
    scope: (options.scopes ?? ['entities/read', 'entities/write']).join(' '),
    auth_time: now,
    iat: now,
    exp: now + (options.lifetimeSeconds ?? 3600),
    jti: randomUUID(),
    [TENANT_CLAIM]: options.tenantId,
    ...(options.groups && options.groups.length > 0 && { 'cognito:groups': options.groups }),
    ...options.claims,
  };
  return signLocalJwt(dir, payload);
}

export async function signLocalJwt(dir: string, payload: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const pem = await readFile(join(dir, PRIVATE_KEY_FILE), 'utf8');
  const jwks = JSON.parse(await readFile(join(dir, JWKS_FILE), 'utf8')) as { keys: Jwk[] };
  const fullHeader = { alg: 'RS256', typ: 'JWT', kid: jwks.keys[0]?.kid, ...header };
  const signingInput = `${b64(fullHeader)}.${b64(payload)}`;
  const signature = sign('RSA-SHA256', Buffer.from(signingInput), createPrivateKey(pem)).toString('base64url');
  return `${signingInput}.${signature}`;
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
