/**
 * The runtime configuration, `/config.json` beside the bundle: written by the deploy from the
 * stack's outputs (scripts/serverless/consoleDeploy.cjs) and served by the local stack
 * (scripts/lib/localConsole.ts). Nothing stage-specific is baked into the bundle.
 */
export interface ConsoleConfig {
  /** The API's base URL, without a trailing slash (`https://…/dev`, `http://127.0.0.1:3000`). */
  readonly apiUrl: string;
  readonly stage: string;
  readonly auth: {
    readonly userPoolId: string;
    readonly userPoolClientId: string;
    /** The hosted UI's domain, without a scheme (Amplify adds `https://`). */
    readonly domain: string;
    readonly scopes: readonly string[];
    readonly redirectSignIn: readonly string[];
    readonly redirectSignOut: readonly string[];
    /** The user pool API, only where it is not Cognito's regional endpoint (the local stack). */
    readonly userPoolEndpoint?: string;
  };
}

function fail(message: string): never {
  throw new Error(`config.json: ${message}`);
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

/** Reads and checks `/config.json`; a missing or malformed file fails with what is wrong. */
export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) fail(`GET /config.json answered ${response.status}`);
  const value = (await response.json()) as Record<string, unknown>;
  const auth = (value['auth'] ?? {}) as Record<string, unknown>;
  if (!isString(value['apiUrl'])) fail('apiUrl is missing');
  if (!isString(value['stage'])) fail('stage is missing');
  for (const key of ['userPoolId', 'userPoolClientId', 'domain'] as const) if (!isString(auth[key])) fail(`auth.${key} is missing`);
  for (const key of ['scopes', 'redirectSignIn', 'redirectSignOut'] as const) if (!isStrings(auth[key])) fail(`auth.${key} must be a list of strings`);
  if (auth['userPoolEndpoint'] !== undefined && !isString(auth['userPoolEndpoint'])) fail('auth.userPoolEndpoint must be a URL');
  return { ...(value as unknown as ConsoleConfig), apiUrl: value['apiUrl'].replace(/\/+$/, '') };
}
