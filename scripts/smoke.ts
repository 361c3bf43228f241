// The post-deploy smoke test (docs/deploy.md, "First deploy"): signs in as the stage's test client and
// creates, reads, searches (the read model: events, projector, migrations) and deletes one entity
// through the deployed API. Exit code 0 only when every step answered as documented.
//
//   npm run smoke -- --api-url <stage API URL>
// with either SMOKE_TOKEN (an access token: locally `npm run --silent token -- --tenant smoke`), or
// SMOKE_TOKEN_URL, SMOKE_CLIENT_ID and SMOKE_CLIENT_SECRET: the stage's Cognito token endpoint and
// its service client (the client-credentials grant; the pipeline reads the secret with the AWS CLI).
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createEntityPlatformClient } from '../src/client/index.ts';
import { exitWithHelpIfAsked } from './lib/cli.ts';

export interface SmokeOptions {
  readonly apiUrl: string;
  readonly token: string;
  /** How long the new entity may take to reach the read model (the event pipeline's latency). */
  readonly searchWithinMs?: number;
  readonly log?: (message: string) => void;
}

/** An access token by the OAuth 2.0 client-credentials grant (RFC 6749 §4.4) at a Cognito token endpoint. */
export async function clientCredentialsToken(tokenUrl: string, clientId: string, clientSecret: string): Promise<string> {
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'entities/read entities/write' }).toString(),
  });
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; error?: string };
  if (!response.ok || !body.access_token) throw new Error(`sign-in at ${tokenUrl} failed: HTTP ${response.status} ${body.error ?? ''}`.trim());
  return body.access_token;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runSmokeTest(options: SmokeOptions): Promise<string[]> {
  const log = options.log ?? (() => undefined);
  const api = createEntityPlatformClient({ baseUrl: options.apiUrl.replace(/\/$/, ''), token: options.token });
  const steps: string[] = [];
  const step = (message: string) => {
    steps.push(message);
    log(`smoke: ${message}`);
  };
  const fail = (what: string, response: Response, error: unknown): never => {
    throw new Error(`smoke: ${what} answered ${response.status}: ${JSON.stringify(error)}`);
  };
  const name = `smoke ${randomUUID()}`;

  const created = await api.POST('/api/v1/secure/entities', { body: { name, attributes: { smoke: true }, visibility: 'private' }, params: { header: { 'Idempotency-Key': randomUUID() } } });
  if (!created.data) return fail('create', created.response, created.error);
  const { id } = created.data;
  step(`created ${id}`);
  try {
    const read = await api.GET('/api/v1/secure/entities/{id}', { params: { path: { id } } });
    if (!read.data || read.data.name !== name) return fail('read', read.response, read.error ?? read.data);
    step(`read ${id}`);

    const deadline = Date.now() + (options.searchWithinMs ?? 60_000);
    for (;;) {
      const found = await api.GET('/api/v1/secure/entities/search', { params: { query: { q: name } } });
      if (!found.data) return fail('search', found.response, found.error);
      if (found.data.items.some((e) => e.id === id)) break;
      if (Date.now() > deadline) throw new Error(`smoke: ${id} did not reach the read model within ${options.searchWithinMs ?? 60_000} ms (search by name found ${found.data.items.length} others)`);
      await sleep(1000);
    }
    step(`found ${id} by search`);
  } finally {
    const deleted = await api.DELETE('/api/v1/secure/entities/{id}', { params: { path: { id } } });
    if (deleted.response.status !== 204) fail('delete', deleted.response, deleted.error);
    step(`deleted ${id}`);
  }
  return steps;
}

const USAGE = 'usage: npm run smoke -- --api-url <url> (with SMOKE_TOKEN, or SMOKE_TOKEN_URL, SMOKE_CLIENT_ID and SMOKE_CLIENT_SECRET)';

async function main(args: string[]): Promise<void> {
  const at = args.indexOf('--api-url');
  const apiUrl = at >= 0 ? args[at + 1] : process.env['SMOKE_API_URL'];
  if (!apiUrl) throw new Error(USAGE);
  const env = process.env;
  const token = env['SMOKE_TOKEN'] || (env['SMOKE_TOKEN_URL'] && env['SMOKE_CLIENT_ID'] && env['SMOKE_CLIENT_SECRET'] ? await clientCredentialsToken(env['SMOKE_TOKEN_URL'], env['SMOKE_CLIENT_ID'], env['SMOKE_CLIENT_SECRET']) : undefined);
  if (!token) throw new Error('Set SMOKE_TOKEN, or SMOKE_TOKEN_URL, SMOKE_CLIENT_ID and SMOKE_CLIENT_SECRET');
  await runSmokeTest({ apiUrl, token, log: console.log });
  console.log('smoke: passed');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  exitWithHelpIfAsked(USAGE);
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
