/**
 * `npm run fuzz -- [--runs <requests per operation>] [--seed <n>] [--only "<METHOD /path part>"]`:
 * the hostile-input suite (tests/support/fuzz.ts) for longer than `npm test` runs it, against a
 * local stack of its own (vitest's global setup: DynamoDB Local, serverless-offline, the event
 * pipeline, the machine's PostgreSQL and Redis), without packaging the AWS stages.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from './lib/localStack.ts';
import { exitWithHelpIfAsked } from './lib/cli.ts';

const usage = 'usage: npm run fuzz -- [--runs <requests per operation, default 200>] [--seed <integer, default: random>] [--only "<METHOD /path part>"]';
exitWithHelpIfAsked(usage);

let values: { runs: string; seed?: string; only?: string };
try {
  ({ values } = parseArgs({ options: { runs: { type: 'string', default: '200' }, seed: { type: 'string' }, only: { type: 'string' } }, strict: true }));
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
const runs = Number(values.runs);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  console.error(usage);
  process.exit(2);
}
console.info(`fuzz: ${runs} requests per operation, seed ${seed} (rerun the same requests with --seed ${seed})`);
const child = spawn(resolve(PROJECT_ROOT, 'node_modules', '.bin', 'vitest'), ['run', 'tests/e2e/fuzz.test.ts'], {
  cwd: PROJECT_ROOT,
  stdio: 'inherit',
  env: { ...process.env, FUZZ_RUNS: String(runs), FUZZ_SEED: String(seed), ...(values.only && { FUZZ_ONLY: values.only }), SKIP_AWS_STAGE_PACKAGING: '1' },
});
child.on('exit', (code) => process.exit(code ?? 1));
