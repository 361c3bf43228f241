import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';

/**
 * SSM parameters and Secrets Manager secrets through Powertools Parameters, over traced SDK
 * clients built like every other (clientConfig.ts). Values are cached per container for
 * `SETTINGS_MAX_AGE_SECONDS`, so a rotated secret (the cache's AUTH token, the cursor signing key)
 * or a changed parameter is picked up within that time without a redeploy; `forceFetch` reads
 * past the cache (after the cache refused its AUTH token). `AWS_ENDPOINT_URL_SSM` and
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER` point them elsewhere, as for any SDK client.
 *
 * A rare path (a container reads each value once per max age): the providers, their SDK clients
 * and the tracer they report to (ssmProvider.ts, secretsProvider.ts) are loaded when the first
 * value of their kind is read, not when the function starts; a function that reads none (the
 * authorizer) never loads them.
 */
export const SETTINGS_MAX_AGE_SECONDS = 300;

export interface ReadOptions {
  /** Read past the cache (a value the caller found stale: a refused AUTH token). */
  readonly forceFetch?: boolean;
}

/** One provider of each kind per region, made on first use: its cache lives as long as the container. */
const ssmProviders = new Map<string, Promise<SSMProvider>>();
const secretsProviders = new Map<string, Promise<SecretsProvider>>();

function memoized<T>(cache: Map<string, Promise<T>>, region: string, make: () => Promise<T>): Promise<T> {
  let provider = cache.get(region);
  if (!provider) cache.set(region, (provider = make()));
  return provider;
}

function loadSsmProvider(region: string): Promise<SSMProvider> {
  return memoized(ssmProviders, region, async () => (await import('./ssmProvider.ts')).ssmProviderFor(region));
}

function loadSecretsProvider(region: string): Promise<SecretsProvider> {
  return memoized(secretsProviders, region, async () => (await import('./secretsProvider.ts')).secretsProviderFor(region));
}

/** A String parameter's value, trimmed; `undefined` when it holds nothing. */
export async function readParameter(name: string, region: string, options: ReadOptions = {}): Promise<string | undefined> {
  const value = await (await loadSsmProvider(region)).get(name, { maxAge: SETTINGS_MAX_AGE_SECONDS, forceFetch: options.forceFetch ?? false });
  return typeof value === 'string' ? value.trim() || undefined : undefined;
}

/** A secret holding a JSON object, parsed; a secret that is not JSON fails naming the secret (never its value). */
export async function readJsonSecret(secretId: string, region: string, options: ReadOptions = {}): Promise<unknown> {
  const text = await (await loadSecretsProvider(region)).get(secretId, { maxAge: SETTINGS_MAX_AGE_SECONDS, forceFetch: options.forceFetch ?? false });
  try {
    return JSON.parse(typeof text === 'string' ? text : '{}') as unknown;
  } catch {
    throw new Error(`Secret ${secretId} does not hold a JSON object`);
  }
}
