import type { Jwks } from 'aws-jwt-verify/jwk';
import type { Config } from '../config/config.ts';

/** What the access-token verifier trusts. */
export type IdentitySettings =
  | {
      readonly provider: 'cognito';
      readonly userPoolId: string;
      readonly clientIds: readonly string[];
      /** The pool's JWKS if already at hand; otherwise aws-jwt-verify fetches it once, on first use. */
      readonly jwks?: Jwks;
    }
  | { readonly provider: 'local'; readonly issuer: string; readonly clientIds: readonly string[]; readonly jwks: Jwks };

/** Claim the pre-token-generation trigger adds to access tokens (and the local issuer mints). */
export const TENANT_CLAIM = 'tenant_id';

/**
 * Whom to trust for access tokens in AWS: the user pool and its app clients, whose generated ids
 * the template gives the functions as environment variables (`!Ref`, which `sls invoke local
 * --stage <stage>` resolves from the deployed stack), so trusting a token needs no call. The local
 * stage's issuer is chosen in src/composition/tokenVerifier.ts.
 */
export function cognitoIdentitySettings(config: Pick<Config, 'IDENTITY_PROVIDER' | 'COGNITO_USER_POOL_ID' | 'COGNITO_APP_CLIENT_ID' | 'COGNITO_SERVICE_CLIENT_ID'>): IdentitySettings {
  if (config.IDENTITY_PROVIDER !== 'cognito' || config.COGNITO_USER_POOL_ID === undefined) throw new Error('IDENTITY_PROVIDER=local is only available in the local stage');
  const clientIds = [config.COGNITO_APP_CLIENT_ID, config.COGNITO_SERVICE_CLIENT_ID].filter((id): id is string => id !== undefined);
  return { provider: 'cognito', userPoolId: config.COGNITO_USER_POOL_ID, clientIds };
}
