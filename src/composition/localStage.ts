import type { CacheStore } from '../domain/ports.ts';
import type { LocalRuntimeSettings } from '../local/localIssuer.ts';
import { sharedLruCacheStore } from '../local/sharedCacheStore.ts';

/**
 * The one place the local stage's stand-ins (src/local/) are chosen. `process.env.IDENTITY_PROVIDER`
 * here is not read at run time in a bundle: serverless.yml's esbuild `define` makes it the stage's
 * constant, so other stages' bundles drop these branches and the stand-ins with them (esbuild does
 * so only when the test is written out in the module that imports them; tests/infrastructure checks
 * the bundles). Run unbundled (tests, `sls invoke local`), it is the environment's value.
 */

/** The local issuer's settings (whom to trust, the cursor signing key) in the local stage; `undefined` elsewhere. */
export async function localRuntimeSettings(): Promise<LocalRuntimeSettings | undefined> {
  if (process.env.IDENTITY_PROVIDER === 'local') return (await import('../local/localIssuer.ts')).localRuntimeSettings();
  return undefined;
}

/** The in-process LRU, unless the stage is a deployed one (identity by Cognito): `undefined` there. */
export function localCacheStore(): CacheStore | undefined {
  if (process.env.IDENTITY_PROVIDER !== 'cognito') return sharedLruCacheStore();
  return undefined;
}
