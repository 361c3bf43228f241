import { loadCursorSigningKey } from '../adapters/settings/runtimeSettings.ts';
import { settings } from './settings.ts';
import { once } from './once.ts';

/**
 * The key that signs pagination cursors, fetched on first use by the functions that sign or check
 * cursors. A module of its own, so functions that only verify tokens (the authorizer) bundle no
 * signed-request code.
 */
export const cursorSigningKey: () => Promise<string> = once(() => loadCursorSigningKey(settings));
