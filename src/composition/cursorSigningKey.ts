import { loadCursorSigningKey } from '../adapters/settings/runtimeSettings.ts';
import { settings } from './settings.ts';

/**
 * The key that signs pagination cursors, read when a cursor is signed or checked (from the runtime
 * secret, cached for the settings' max age, so a rotated key is picked up without a redeploy). A
 * module of its own, so functions that only verify tokens (the authorizer) bundle no Secrets
 * Manager client.
 */
export const cursorSigningKey = (): Promise<string> => loadCursorSigningKey(settings);
