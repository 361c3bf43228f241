/**
 * `npm run --silent token -- --tenant <id> [--scopes "entities/read entities/write"] [--groups admin] [--sub <id>]`
 * prints one access token signed by the local issuer (trusted by the `local` stage only) and nothing else.
 */
import { parseArgs } from 'node:util';
import { ensureLocalIssuer, mintLocalAccessToken } from '../src/local/localIssuer.ts';
import { TENANT_ID_PATTERN } from '../src/domain/principal.ts';
import { LOCAL_ISSUER_DIR } from './lib/localStack.ts';
import { exitWithHelpIfAsked } from './lib/cli.ts';

const usage = 'usage: npm run --silent token -- --tenant <id> [--scopes "entities/read entities/write"] [--groups admin,other] [--sub <id>] [--ttl <seconds>]';
exitWithHelpIfAsked(usage);

try {
  const { values } = parseArgs({
    options: {
      tenant: { type: 'string' },
      scopes: { type: 'string', default: 'entities/read entities/write' },
      groups: { type: 'string', default: '' },
      sub: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
    },
    strict: true,
  });
  if (!values.tenant || !TENANT_ID_PATTERN.test(values.tenant)) throw new Error('--tenant is required: letters, digits, "_" or "-", at most 64 characters');
  const lifetimeSeconds = Number(values.ttl);
  if (!Number.isInteger(lifetimeSeconds) || lifetimeSeconds <= 0) throw new Error('--ttl must be a positive number of seconds');
  await ensureLocalIssuer(LOCAL_ISSUER_DIR);
  const token = await mintLocalAccessToken(LOCAL_ISSUER_DIR, {
    tenantId: values.tenant,
    scopes: values.scopes.split(/[\s,]+/).filter(Boolean),
    groups: values.groups.split(/[\s,]+/).filter(Boolean),
    lifetimeSeconds,
    ...(values.sub && { subject: values.sub }),
  });
  process.stdout.write(`${token}\n`);
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
  process.exit(2);
}
