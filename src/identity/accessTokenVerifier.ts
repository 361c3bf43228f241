import { CognitoJwtVerifier, JwtRsaVerifier } from 'aws-jwt-verify';
import { FetchError, JwtBaseError, JwtExpiredError } from 'aws-jwt-verify/error';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { UnauthenticatedError } from '../domain/errors.ts';
import { TENANT_ID_PATTERN, type Principal } from '../domain/principal.ts';
import { Lru } from './lru.ts';
import { TENANT_CLAIM, type IdentitySettings } from './identitySettings.ts';

export interface AccessTokenVerifier {
  /** Resolves to the verified caller, or rejects with UnauthenticatedError (a bad token) or another error (JWKS unreachable). */
  verify(token: string): Promise<Principal>;
}

/**
 * Verifies access tokens: signature against the issuer's JWKS (fetched once per container and
 * cached by aws-jwt-verify), issuer, expiry, `token_use` = access and the app client id.
 * The authorizer and the optional-auth data handlers share this one module. A verified token is
 * remembered until it expires (see `rememberVerified`), so a caller's next requests to the same
 * container skip the RSA signature check.
 */
export function createAccessTokenVerifier(identity: IdentitySettings, options: VerifiedTokenCacheOptions = {}): AccessTokenVerifier {
  const verify = buildVerify(identity);
  return rememberVerified(async (token) => {
    let payload: JwtPayload;
    try {
      payload = await verify(token);
    } catch (error) {
      if (error instanceof FetchError || !(error instanceof JwtBaseError)) throw error;
      throw new UnauthenticatedError(error instanceof JwtExpiredError ? 'The access token has expired; obtain a new one.' : 'The access token is invalid.');
    }
    const principal = principalFromClaims(payload);
    return { principal, expiresAtMs: (principal.expiresAt ?? 0) * 1000 };
  }, options);
}

export interface VerifiedTokenCacheOptions {
  /** Tokens remembered per container (least recently used evicted first); default 1000. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/**
 * Remembers each verified token (the exact string, whose signature covers every claim) with its
 * caller until the token's `exp`, like API Gateway's authorizer cache does per token. A rejection
 * is never remembered; an expired entry answers "expired" as the full check would. Revocation is
 * no weaker: verification is local either way (a revoked Cognito access token stays valid to
 * JWT verifiers until it expires).
 */
export function rememberVerified(verify: (token: string) => Promise<{ principal: Principal; expiresAtMs: number }>, options: VerifiedTokenCacheOptions = {}): AccessTokenVerifier {
  const now = options.now ?? Date.now;
  const verified = new Lru<{ principal: Principal; expiresAtMs: number }>(options.maxEntries ?? 1000);
  return {
    async verify(token) {
      const known = verified.get(token);
      if (known !== undefined) {
        if (now() < known.expiresAtMs) return known.principal;
        verified.delete(token);
        throw new UnauthenticatedError('The access token has expired; obtain a new one.');
      }
      const result = await verify(token);
      if (now() < result.expiresAtMs) verified.set(token, result);
      return result.principal;
    },
  };
}

function buildVerify(identity: IdentitySettings): (token: string) => Promise<JwtPayload> {
  if (identity.provider === 'cognito') {
    const verifier = CognitoJwtVerifier.create({ userPoolId: identity.userPoolId, tokenUse: 'access', clientId: [...identity.clientIds] });
    if (identity.jwks) verifier.cacheJwks(identity.jwks);
    return (token) => verifier.verify(token);
  }
  // The local issuer mints Cognito-shaped access tokens; check the same claims Cognito's verifier does.
  const verifier = JwtRsaVerifier.create({
    issuer: identity.issuer,
    audience: null,
    customJwtCheck: ({ payload }) => {
      if (payload['token_use'] !== 'access') throw new UnauthenticatedError('The token is not an access token.');
      if (typeof payload['client_id'] !== 'string' || !identity.clientIds.includes(payload['client_id'])) {
        throw new UnauthenticatedError('The token was issued to an unknown client.');
      }
    },
  });
  verifier.cacheJwks(identity.jwks);
  return async (token) => {
    try {
      return await verifier.verify(token);
    } catch (error) {
      // A kid missing from the local JWKS would make aws-jwt-verify try to fetch it: never trust that.
      if (error instanceof FetchError) throw new UnauthenticatedError('The access token is invalid.');
      throw error;
    }
  };
}

/** Clock skew tolerated between the issuer and us for `iat`, in seconds. */
export const ISSUED_AT_SKEW_SECONDS = 5;

/**
 * The verified claims as a Principal. A token without a usable tenant, without an expiry (`exp`),
 * or issued in the future (`iat` later than now, beyond a few seconds of clock skew) is rejected:
 * Cognito never issues such tokens, and a token that never expires could never be shut out.
 */
export function principalFromClaims(payload: JwtPayload, nowMs: number = Date.now()): Principal {
  const tenantId = payload[TENANT_CLAIM];
  if (typeof tenantId !== 'string' || !TENANT_ID_PATTERN.test(tenantId)) {
    throw new UnauthenticatedError(`The access token carries no valid ${TENANT_CLAIM} claim.`);
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new UnauthenticatedError('The access token has no subject.');
  if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) throw new UnauthenticatedError('The access token has no expiry (exp); obtain a token from the issuer.');
  if (typeof payload.iat !== 'number' || !Number.isFinite(payload.iat)) throw new UnauthenticatedError('The access token has no issue time (iat); obtain a token from the issuer.');
  if (payload.iat * 1000 > nowMs + ISSUED_AT_SKEW_SECONDS * 1000) throw new UnauthenticatedError('The access token claims to be issued in the future (iat); check the issuer\'s clock.');
  const scope = typeof payload['scope'] === 'string' ? payload['scope'] : '';
  const groups = Array.isArray(payload['cognito:groups']) ? payload['cognito:groups'].filter((g): g is string => typeof g === 'string') : [];
  return { subject: payload.sub, tenantId, scopes: new Set(scope.split(' ').filter(Boolean)), groups: new Set(groups), expiresAt: payload.exp };
}
