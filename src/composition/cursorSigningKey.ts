import { recordAwsCall } from '../adapters/aws/callLog.ts';
import { loadCursorSigningKey } from '../adapters/settings/runtimeSettings.ts';
import { settings } from './settings.ts';

/**
 * The key that signs pagination cursors, read when a cursor is signed or checked (from the runtime
 * secret, cached for the settings' max age, so a rotated key is picked up without a redeploy). A
 * module of its own, so functions that only verify tokens (the authorizer) bundle no Secrets
 * Manager client. The local stage's key comes with its issuer (src/local/), in its bundles only:
 * `process.env.IDENTITY_PROVIDER` is a constant in bundles (serverless.yml's esbuild `define`).
 */
export const cursorSigningKey = async (): Promise<string> => {
  if (process.env.IDENTITY_PROVIDER === 'local') {
    // The read the local key stands in for, recorded for the permission tests (a no-op unless calls are
    // recorded): which functions read the runtime secret is known only from what they do.
    recordAwsCall('SecretsManager', 'GetSecretValue', { SecretId: settings.RUNTIME_SECRET_ID });
    const { localRuntimeSettings } = await import('../local/localIssuer.ts');
    return (await localRuntimeSettings(process.env)).cursorSigningKey;
  }
  return loadCursorSigningKey(settings);
};
