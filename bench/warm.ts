/**
 * `npm run bench:warm`: the warm half of `npm run bench` alone (a few minutes instead of twenty):
 * packages the functions as the bench does, times every route in-process (our own code, the SDK's
 * share apart) and prints where each route's time goes, from a CPU profile of further invocations,
 * per package and per folder of ours. Nothing is written; `npm run bench` has the budgets.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitWithHelpIfAsked } from '../scripts/lib/cli.ts';
import { PROJECT_ROOT } from '../scripts/lib/localStack.ts';
import { lambdaEnvironment } from './lib/lambdaEnv.ts';
import { BENCH_WORK_FOLDER, packageFunctions } from './lib/packaging.ts';
import { formatParts } from './lib/profileBreakdown.ts';
import { inProcessEnvironment, runWorker } from './lib/worker.ts';
import { startXrayDaemonStandIn, xrayDaemonEnvironment } from './lib/xrayDaemon.ts';

exitWithHelpIfAsked(`usage: npm run bench:warm
Packages the functions (prod stage, offline), times every HTTP route and the authorizer warm and in-process, and prints
each route's median (our own code, and with the AWS SDK) and where its time goes by package and folder (CPU profile).
The cache runs on the machine's Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379; the run's keys are deleted).
Environment: BENCH_WARM_ITERATIONS (5000), BENCH_PROFILED_ITERATIONS (2000), BENCH_WARM_TRACED (1; 0: every invocation unsampled).`);

const outDir = await mkdtemp(join(tmpdir(), 'entity-platform-bench-'));
const daemon = await startXrayDaemonStandIn();
try {
  console.log('packaging (sls package) …');
  const functions = await packageFunctions(outDir);
  const httpFunction = functions.find((f) => f.name === 'getEntity')!;
  const env = inProcessEnvironment({ ...lambdaEnvironment('getEntity', httpFunction.environment, PROJECT_ROOT), ...xrayDaemonEnvironment(daemon) }, process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
  console.log('warm: every route in-process …');
  const warm = await runWorker('warm', env);
  if (warm.kind !== 'warm') throw new Error(`unexpected answer ${warm.kind}`);
  for (const r of warm.routes) console.log(`${r.name}: ${r.medianUs.toFixed(1)} µs our own code (p99 ${r.p99Us.toFixed(1)}), ${r.withSdkMedianUs.toFixed(1)} µs the whole invocation`);
  console.log(`\n${formatParts(warm.routes)}`);
} finally {
  await daemon.stop();
  await rm(outDir, { recursive: true, force: true });
  await rm(join(PROJECT_ROOT, BENCH_WORK_FOLDER), { recursive: true, force: true });
}
