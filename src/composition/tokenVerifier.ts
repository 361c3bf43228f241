import { createAccessTokenVerifier, type AccessTokenVerifier } from '../identity/accessTokenVerifier.ts';
import { cognitoIdentitySettings, type IdentitySettings } from '../identity/identitySettings.ts';
import { settings } from './settings.ts';
import { once } from './once.ts';

/**
 * The container's access-token verifier: the authorizer's, and the data routes' (auth optional,
 * verified in the handler). Trusting tokens needs no call (the pool's ids are environment); the
 * JWKS is fetched on first use. Handlers served only under /api/v1/secure take the caller from the
 * authorizer's context and do not import this module (nor bundle aws-jwt-verify).
 */
export const loadAccessTokenVerifier: () => Promise<AccessTokenVerifier> = once(async () => createAccessTokenVerifier(await loadIdentitySettings()));

/**
 * Whom to trust: the local stage's issuer (src/local/), else the stage's user pool.
 * `process.env.IDENTITY_PROVIDER` is a constant in bundles (serverless.yml's esbuild `define`), so
 * other stages' bundles drop the local branch and the local issuer with it (tests/infrastructure checks).
 */
async function loadIdentitySettings(): Promise<IdentitySettings> {
  if (process.env.IDENTITY_PROVIDER === 'local') {
    const { localRuntimeSettings } = await import('../local/localIssuer.ts');
    return (await localRuntimeSettings(process.env)).identity;
  }
  return cognitoIdentitySettings(settings);
}
