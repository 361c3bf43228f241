import { readCursorSigningKey } from '../adapters/aws/runtimeSecret.ts';
import { recordAwsCall } from '../observability/awsCallLog.ts';
import { localRuntimeSettings } from './localStage.ts';
import { settings } from './settings.ts';

/**
 * The key that signs pagination cursors, read when a cursor is signed or checked (from the runtime
 * secret, cached for the settings' max age, so a rotated key is picked up without a redeploy). A
 * module of its own, so functions that only verify tokens (the authorizer) bundle no Secrets
 * Manager client. The local stage's key comes with its issuer (./localStage.ts), in its bundles only.
 */
export const loadCursorSigningKey = async (): Promise<string> => {
  const local = await localRuntimeSettings();
  if (local) {
    // The read the local key stands in for, recorded for the permission tests (a no-op unless calls are
    // recorded): which functions read the runtime secret is known only from what they do.
    recordAwsCall('SecretsManager', 'GetSecretValue', { SecretId: settings.RUNTIME_SECRET_ID });
    return local.cursorSigningKey;
  }
  if (settings.RUNTIME_SECRET_ID === undefined) throw new Error('RUNTIME_SECRET_ID is not set');
  return readCursorSigningKey(settings.RUNTIME_SECRET_ID, settings.AWS_REGION);
};
