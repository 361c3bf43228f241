import { readCursorSigningKey } from '../adapters/aws/runtimeSecret.ts';
import { settings } from './settings.ts';

/**
 * The key that signs pagination cursors, read when a cursor is signed or checked (from the runtime
 * secret, cached for the settings' max age, so a rotated key is picked up without a redeploy). A
 * module of its own, so functions that only verify tokens (the authorizer) bundle no Secrets
 * Manager client. The local stage's key comes with its issuer (src/local/), in its bundles only:
 * `process.env.IDENTITY_PROVIDER` is a constant in bundles (serverless.yml's esbuild `define`).
 */
export const loadCursorSigningKey = async (): Promise<string> => {
  if (process.env.IDENTITY_PROVIDER === 'local') {
    const { localRuntimeSettings } = await import('../local/localIssuer.ts');
    return (await localRuntimeSettings(process.env)).cursorSigningKey;
  }
  if (settings.RUNTIME_SECRET_ID === undefined) throw new Error('RUNTIME_SECRET_ID is not set');
  return readCursorSigningKey(settings.RUNTIME_SECRET_ID, settings.AWS_REGION);
};
