import * as z from 'zod/mini';
import { parseSettingsDocument, type Config } from '../../config/config.ts';
import { readJsonSecret } from '../aws/parameters.ts';
import type { IdentitySettings } from '../identity/identitySettings.ts';

/**
 * Settings that only exist once the stack is deployed or that are secret:
 * - who issues access tokens: in AWS the user pool and its app clients, whose generated ids the
 *   template gives the functions as environment variables (`!Ref`, which `sls invoke local
 *   --stage <stage>` resolves from the deployed stack), so verifying a token needs no call;
 * - the cursor signing key, a generated secret in Secrets Manager (resources/identity.yml), read
 *   once per container when a cursor is first signed or checked.
 */
export interface RuntimeSettings {
  readonly identity: IdentitySettings;
  readonly cursorSigningKey: string;
}

const secretSchema = z.object({ cursorSigningKey: z.string().check(z.minLength(16)) });

export async function readCursorSigningKey(secretId: string, region: string): Promise<string> {
  return parseSettingsDocument(secretSchema, await readJsonSecret(secretId, region), `Runtime secret ${secretId}`).cursorSigningKey;
}

/** Whom to trust for access tokens in AWS (the local stage's issuer is chosen in src/composition/tokenVerifier.ts). */
export function loadIdentitySettings(config: Config): IdentitySettings {
  if (config.IDENTITY_PROVIDER !== 'cognito' || config.COGNITO_USER_POOL_ID === undefined) throw new Error('IDENTITY_PROVIDER=local is only available in the local stage');
  const clientIds = [config.COGNITO_APP_CLIENT_ID, config.COGNITO_SERVICE_CLIENT_ID].filter((id): id is string => id !== undefined);
  return { provider: 'cognito', userPoolId: config.COGNITO_USER_POOL_ID, clientIds };
}

/** The key that signs pagination cursors in AWS (the local stage's is chosen in src/composition/cursorSigningKey.ts). */
export async function loadCursorSigningKey(config: Config): Promise<string> {
  if (config.RUNTIME_SECRET_ID === undefined) throw new Error('RUNTIME_SECRET_ID is not set');
  return readCursorSigningKey(config.RUNTIME_SECRET_ID, config.AWS_REGION);
}
