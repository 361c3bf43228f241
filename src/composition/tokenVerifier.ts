import { createAccessTokenVerifier, type AccessTokenVerifier } from '../identity/accessTokenVerifier.ts';
import { cognitoIdentitySettings, type IdentitySettings } from '../identity/identitySettings.ts';
import { localRuntimeSettings } from './localStage.ts';
import { settings } from './settings.ts';
import { once } from './once.ts';

/**
 * The container's access-token verifier: the authorizer's, and the data routes' (auth optional,
 * verified in the handler). Trusting tokens needs no call (the pool's ids are environment); the
 * JWKS is fetched on first use. Handlers served only under /api/v1/secure take the caller from the
 * authorizer's context and do not import this module (nor bundle aws-jwt-verify).
 */
export const loadAccessTokenVerifier: () => Promise<AccessTokenVerifier> = once(async () => createAccessTokenVerifier(await loadIdentitySettings()));

/** Whom to trust: the local stage's issuer (./localStage.ts), else the stage's user pool. */
async function loadIdentitySettings(): Promise<IdentitySettings> {
  return (await localRuntimeSettings())?.identity ?? cognitoIdentitySettings(settings);
}
