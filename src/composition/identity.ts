import { config } from '../config/config.ts';
import { createAccessTokenVerifier, type AccessTokenVerifier } from '../adapters/identity/accessTokenVerifier.ts';
import { loadRuntimeSettings, type RuntimeSettings } from '../adapters/settings/runtimeSettings.ts';
import { once } from './once.ts';

/**
 * Composition root, identity half: the configuration is validated at import (a bad setting fails
 * the cold start with its name); settings that need a network call are fetched on first use.
 */
export const settings = config();

export const runtimeSettings: () => Promise<RuntimeSettings> = once(() => loadRuntimeSettings(settings));

export const accessTokenVerifier: () => Promise<AccessTokenVerifier> = once(async () => createAccessTokenVerifier((await runtimeSettings()).identity));
