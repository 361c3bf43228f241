import { Amplify } from 'aws-amplify';
import { fetchAuthSession, signInWithRedirect, signOut } from 'aws-amplify/auth';
import 'aws-amplify/auth/enable-oauth-listener';
import type { ConsoleConfig } from './config.ts';

/**
 * Sign-in with Amplify Auth: the Cognito hosted UI, authorization code with PKCE, the user app
 * client; Amplify keeps the tokens and refreshes them (fetchAuthSession). Locally the same calls
 * go to the local stack's stand-in for the hosted UI and the user pool API (docs/console.md).
 */
export function configureAuth(config: ConsoleConfig): void {
  const { auth } = config;
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: auth.userPoolId,
        userPoolClientId: auth.userPoolClientId,
        ...(auth.userPoolEndpoint !== undefined && { userPoolEndpoint: auth.userPoolEndpoint }),
        loginWith: {
          oauth: {
            domain: auth.domain,
            scopes: [...auth.scopes],
            redirectSignIn: [...auth.redirectSignIn],
            redirectSignOut: [...auth.redirectSignOut],
            responseType: 'code',
          },
        },
      },
    },
  });
}

/** Who is signed in, from the access token's claims (the API decides from the same token). */
export interface User {
  readonly subject: string;
  readonly email: string | undefined;
  readonly tenantId: string;
  readonly scopes: readonly string[];
  readonly groups: readonly string[];
}

export async function currentUser(): Promise<User | undefined> {
  const { tokens } = await fetchAuthSession();
  if (!tokens?.accessToken) return undefined;
  const access = tokens.accessToken.payload;
  const id = tokens.idToken?.payload;
  const groups = access['cognito:groups'];
  return {
    subject: String(access.sub ?? ''),
    email: typeof id?.['email'] === 'string' ? id['email'] : undefined,
    tenantId: typeof access['tenant_id'] === 'string' ? access['tenant_id'] : '',
    scopes: typeof access['scope'] === 'string' ? access['scope'].split(' ') : [],
    groups: Array.isArray(groups) ? groups.map(String) : [],
  };
}

/** A current access token for the API (refreshed by Amplify when it is about to expire). */
export async function accessToken(): Promise<string> {
  const { tokens } = await fetchAuthSession();
  if (!tokens?.accessToken) throw new Error('You are signed out: sign in again.');
  return tokens.accessToken.toString();
}

export const signIn = (): Promise<void> => signInWithRedirect();
export const signOutEverywhere = (): Promise<void> => signOut();
