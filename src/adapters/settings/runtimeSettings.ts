import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import type { Config } from '../../config/config.ts';
import type { IdentitySettings } from '../identity/identitySettings.ts';

/**
 * Settings that only exist once the stack is deployed (the user pool's generated ids) or that
 * are secret (the cursor signing key). In AWS they live in one Secrets Manager secret written by
 * the stack (resources/identity.yml) and are read once per container, on first use.
 */
export interface RuntimeSettings {
  readonly identity: IdentitySettings;
  readonly cursorSigningKey: string;
}

const secretSchema = z.object({
  userPoolId: z.string().regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'userPoolId must look like eu-west-1_AbC123'),
  clientIds: z.string().min(1),
  cursorSigningKey: z.string().min(16),
});

export async function readRuntimeSecret(client: Pick<SecretsManagerClient, 'send'>, secretId: string): Promise<RuntimeSettings> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  const parsed = secretSchema.safeParse(JSON.parse(SecretString ?? '{}'));
  if (!parsed.success) throw new Error(`Runtime secret ${secretId} is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return {
    identity: { provider: 'cognito', userPoolId: parsed.data.userPoolId, clientIds: parsed.data.clientIds.split(',').map((id) => id.trim()).filter(Boolean) },
    cursorSigningKey: parsed.data.cursorSigningKey,
  };
}

/** Loads the settings for this stage. The local branch is compiled out of non-local bundles. */
export async function loadRuntimeSettings(config: Config): Promise<RuntimeSettings> {
  if (process.env.IDENTITY_PROVIDER === 'local') {
    const { localRuntimeSettings } = await import('../identity/localIssuer.ts');
    return localRuntimeSettings(process.env);
  }
  if (config.IDENTITY_PROVIDER !== 'cognito' || config.RUNTIME_SECRET_ID === undefined) throw new Error('IDENTITY_PROVIDER=local is only available in the local stage');
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  return readRuntimeSecret(new SecretsManagerClient({ region: config.AWS_REGION, maxAttempts: 4 }), config.RUNTIME_SECRET_ID);
}
