import type { Jwks } from 'aws-jwt-verify/jwk';

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
