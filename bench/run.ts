/**
 * `npm run bench`: bundle size, cold init, warm overhead and the read path of every function,
 * each beside its budget (bench/lib/budgets.ts); cold init against a reference handler measured in
 * the same run (bench/reference/). Writes bench/results.json. A missed budget is printed as FAIL
 * and does not change the exit code unless `--strict` is given (the bench is not part of
 * `npm test` and must not fail CI). Figures are medians and ratios within this one run: the
 * machine is shared.
 *
 * BENCH_COLD_RUNS (default 15), BENCH_WARM_ITERATIONS (5000), BENCH_READ_ITERATIONS (300),
 * BENCH_PROJECTOR_ROUNDS (5) and BENCH_PROJECTOR_EVENTS (2000 per round and variant) trade time for
 * precision. The cache and projector rows use the machine's Redis (BENCH_REDIS_URL, default
 * redis://127.0.0.1:6379; keys under a unique prefix, deleted afterwards) and PostgreSQL
 * (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test; a database of the bench's own,
 * dropped afterwards).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTable, freePort, PROJECT_ROOT, startDynamoDbLocal } from '../scripts/lib/localStack.ts';
import { atMost, BUDGET, coldInitVerdict, ratioAtMost, verdictLabel, type Verdict } from './lib/budgets.ts';
import { bundleSize, type BundleSize } from './lib/bundleSize.ts';
import { measureColdInit } from './lib/coldInit.ts';
import { buildReference, REFERENCE } from './lib/reference.ts';
import { lambdaEnvironment, STAGE } from './lib/lambdaEnv.ts';
import { startXrayDaemonStandIn, xrayDaemonEnvironment } from './lib/xrayDaemon.ts';
import { measureProjector, type ProjectorResult } from './lib/projector.ts';
import { importFigures, measureImport } from './import.ts';
import { measureLegacy } from './legacy.ts';
import { BENCH_WORK_FOLDER, packageFunctions, type PackagedFunction } from './lib/packaging.ts';
import type { CacheHitResult, LatencyResult, ReadPathResult } from './inProcess.ts';
import { inProcessEnvironment, runWorker } from './lib/worker.ts';
import { formatParts } from './lib/profileBreakdown.ts';

const KB = 1000;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PROJECTOR_ROUNDS = Math.max(1, Number(process.env.BENCH_PROJECTOR_ROUNDS ?? 5));
const PROJECTOR_EVENTS = Math.max(1000, Number(process.env.BENCH_PROJECTOR_EVENTS ?? 2000));
const COLD_RUNS = Math.max(10, Number(process.env.BENCH_COLD_RUNS ?? 15));

interface Figure {
  readonly section: string;
  readonly name: string;
  /** `null`: not measurable yet (see `note`). */
  readonly value: number | null;
  readonly unit: string;
  readonly display: string;
  readonly budget: string;
  /** The measured ratio the budget judges, when it is one. */
  readonly ratio?: number;
  /** `undefined`: no budget for this figure (informational). */
  readonly ok: boolean | undefined;
  readonly note?: string;
}

const figures: Figure[] = [];
/** One row; `ratio`: what the row measures as a share of its comparison, shown with or without a budget. */
function figure(section: string, name: string, value: number, unit: string, display: string, verdict?: Verdict, ratio = verdict?.ratio): void {
  figures.push({ section, name, value, unit, display, budget: verdict?.budget ?? '—', ...(ratio !== undefined && { ratio }), ok: verdict?.pass });
}
const kb = (bytes: number) => `${(bytes / KB).toFixed(1)} KB`;
const STRICT = process.argv.includes('--strict');

async function machine(): Promise<{ node: string; cpu: string; cores: number }> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return { node: process.version, cpu: model.trim(), cores: cpus().length };
}


function bundleFigures(functions: readonly PackagedFunction[]): Map<string, BundleSize> {
  const sizes = new Map(functions.map((fn) => [fn.name, bundleSize(fn.metafile, fn.entry)]));
  // Reported, not budgeted: what a function loads at init is what cold init measures.
  for (const fn of functions) {
    const { bytes } = sizes.get(fn.name)!;
    figure('bundle size', fn.name === REFERENCE ? 'reference (esbuild defaults)' : fn.name, bytes, 'bytes', kb(bytes));
  }
  const total = functions.filter((fn) => fn.name !== REFERENCE).reduce((sum, fn) => sum + sizes.get(fn.name)!.bytes, 0);
  figure('bundle size', `total (${functions.length - 1} functions)`, total, 'bytes', kb(total));
  return sizes;
}

function printTable(): void {
  const rows = figures.map((f) => [f.section, f.name, f.display, f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}×`, f.budget, verdictLabel(f.ok === undefined ? undefined : { budget: f.budget, pass: f.ok })]);
  const header = ['section', 'figure', 'measured', 'ratio', 'budget', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  let section = '';
  for (const row of rows) {
    console.log(line(row[0] === section ? ['', ...row.slice(1)] : row));
    section = row[0]!;
  }
}

function printContributors(title: string, size: BundleSize): void {
  console.log(`\n${title}: ${kb(size.bytes)}, top contributors`);
  for (const c of size.contributors.slice(0, 8)) console.log(`  ${kb(c.bytes).padStart(9)}  ${c.name}`);
}

const started = Date.now();
const outDir = await mkdtemp(join(tmpdir(), 'entity-platform-bench-'));
// Where the in-process workers' traced invocations send their subsegments, as to Lambda's daemon.
const daemon = await startXrayDaemonStandIn();
try {
  const host = await machine();
  console.log(`npm run bench — stage ${STAGE}, Node ${host.node}, ${host.cpu} (${host.cores} CPUs)\n`);

  console.log('packaging (sls package) …');
  const functions = await packageFunctions(outDir);
  // The HTTP functions share one environment (the provider's); take it from a packaged one.
  const httpFunction = functions.find((f) => f.name === 'getEntity')!;
  console.log('reference: bench/reference/getEntity.ts, esbuild defaults …');
  const reference = await buildReference(outDir, httpFunction.environment);
  const sizes = bundleFigures([...functions, reference]);

  console.log(`cold init: ${COLD_RUNS} fresh processes per function and the reference …`);
  const cold = measureColdInit([...functions, reference], COLD_RUNS);
  const referenceCold = cold.byFunction.get(REFERENCE)!;
  const coldSection = 'cold init (Δ over node -e 0)';
  figure(coldSection, 'reference: same packages wired the default way', referenceCold.deltaMs, 'ms', `${referenceCold.deltaMs.toFixed(1)} ms (cpu ${referenceCold.cpuDeltaMs.toFixed(1)})`);
  for (const fn of functions) {
    const c = cold.byFunction.get(fn.name)!;
    const cpuRatio = c.cpuDeltaMs / referenceCold.cpuDeltaMs;
    const display = `${c.deltaMs.toFixed(1)} ms (cpu ${c.cpuDeltaMs.toFixed(1)} ms, ${cpuRatio.toFixed(2)}×)`;
    figure(coldSection, `${fn.name} (${fn.kind})`, c.deltaMs, 'ms', display, coldInitVerdict(fn.kind, c.deltaMs, referenceCold.deltaMs), c.deltaMs / referenceCold.deltaMs);
  }
  figure(coldSection, 'baseline: node -e 0', cold.baselineMs, 'ms', `${cold.baselineMs.toFixed(1)} ms (cpu ${cold.baselineCpuMs.toFixed(1)})`);

  const workerEnv = { ...lambdaEnvironment('getEntity', httpFunction.environment, PROJECT_ROOT), ...xrayDaemonEnvironment(daemon) };

  console.log('warm: every route in-process, store calls answered in-process, the SDK\'s share timed apart …');
  const inProcessEnv = inProcessEnvironment(workerEnv, REDIS_URL);
  const warm = await runWorker('warm', inProcessEnv);
  const routes: LatencyResult[] = warm.kind === 'warm' ? warm.routes : [];
  for (const r of routes) {
    figure('warm, our own code (median)', r.name, r.medianUs, 'µs', `${r.medianUs.toFixed(1)} µs (whole invocation: ${r.withSdkMedianUs.toFixed(1)} µs)`, atMost(r.medianUs, BUDGET.warmMedianUs, 'µs'));
  }
  for (const r of routes) {
    figure('warm, our own code (p99)', r.name, r.p99Us, 'µs', `${r.p99Us.toFixed(1)} µs`, atMost(r.p99Us, BUDGET.warmP99Us, 'µs'));
  }

  console.log('read path: DynamoDB Local …');
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  let read: ReadPathResult;
  try {
    const table = workerEnv.ENTITIES_TABLE!;
    await ensureTable(dynamo.endpoint, table);
    const message = await runWorker('readpath', { ...inProcessEnvironment(workerEnv, REDIS_URL), DYNAMODB_ENDPOINT: dynamo.endpoint });
    if (message.kind !== 'readpath') throw new Error('unexpected worker reply');
    read = message.result;
    console.log('import: worker vs BatchWriteItem, DynamoDB Local …');
    for (const f of importFigures(await measureImport({ endpoint: dynamo.endpoint, records: 2000 }))) figure('import', f.name, f.value, f.unit, f.display, f.budget && { budget: f.budget.text, pass: f.budget.ok, ratio: f.value });
    console.log('legacy bridge: inbound messages vs API creates, RabbitMQ + DynamoDB Local …');
    try {
      const legacy = await measureLegacy({ endpoint: dynamo.endpoint, messages: 1000 });
      const rate = (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`;
      figure('legacy bridge', 'inbound messages applied end to end (broker → mapping stand-in → consumer → table)', legacy.inboundMessagesPerSecond, 'messages/s', rate(legacy.inboundMessagesPerSecond));
      figure('legacy bridge', 'API creates (entity service, 16 at a time), same run', legacy.apiCreatesPerSecond, 'creates/s', rate(legacy.apiCreatesPerSecond));
      figure('legacy bridge', 'inbound / API create', legacy.inboundMessagesPerSecond / legacy.apiCreatesPerSecond, '×', `${(legacy.inboundMessagesPerSecond / legacy.apiCreatesPerSecond).toFixed(2)}×`);
    } catch (error) {
      figures.push({ section: 'legacy bridge', name: 'inbound messages applied end to end', value: null, unit: 'messages/s', display: 'n/a — RabbitMQ unreachable', budget: '', ok: undefined, note: String(error) });
    }
  } finally {
    await dynamo.stop();
  }
  figure('read path', 'GET /secure/entities/{id}, no cache (DynamoDB Local)', read.handlerMedianUs, 'µs', `${(read.handlerMedianUs / 1000).toFixed(2)} ms`);
  figure('read path', 'raw GetItem, same process', read.rawGetItemMedianUs, 'µs', `${(read.rawGetItemMedianUs / 1000).toFixed(2)} ms`);
  figure('read path', 'cache miss / raw GetItem', read.ratio, '×', `${read.ratio.toFixed(2)}×`);

  console.log('read path: cache hit, Redis …');
  let hit: CacheHitResult | undefined;
  let hitError: string | undefined;
  let hitSubsegments = 0;
  try {
    // The local stack's cache settings: Redis by URL, keys under a prefix of this run's own.
    const receivedBefore = daemon.received();
    const message = await runWorker('cachehit', inProcessEnvironment(workerEnv, REDIS_URL));
    if (message.kind !== 'cachehit') throw new Error('unexpected worker reply');
    hit = message.result;
    await new Promise((resolve) => setTimeout(resolve, 100)); // the last datagrams in flight
    hitSubsegments = daemon.received() - receivedBefore;
  } catch (error) {
    hitError = (error as Error).message.split('\n')[0];
    console.log(`  cache hit not measured: ${hitError}`);
  }
  if (hit) {
    const ms = (us: number) => `${(us / 1000).toFixed(3)} ms`;
    const percent = `${(hit.tracedShare * 100).toFixed(1)} % traced`;
    figure('read path', `GET /data/entities/{id}, cache HIT (Redis), X-Ray default sampling (${percent})`, hit.handlerMedianUs, 'µs', ms(hit.handlerMedianUs));
    figure('read path', 'raw Redis GET, same process', hit.rawGetMedianUs, 'µs', ms(hit.rawGetMedianUs));
    figure('read path', 'cache hit / raw Redis GET', hit.ratio, '×', `${hit.ratio.toFixed(2)}×`, ratioAtMost(hit.handlerMedianUs, hit.rawGetMedianUs, BUDGET.cacheHitRatio, 'raw GET'));
    // The sampled tail: each traced invocation also sends its subsegment to the daemon (stand-in).
    figure('read path', 'cache hit / raw Redis GET, every invocation traced', hit.everyTraced.ratio, '×', `${hit.everyTraced.ratio.toFixed(2)}× (${ms(hit.everyTraced.handlerMedianUs)} / ${ms(hit.everyTraced.rawGetMedianUs)})`);
    figure('read path', 'cache hit / raw Redis GET, none traced', hit.untraced.ratio, '×', `${hit.untraced.ratio.toFixed(2)}× (${ms(hit.untraced.handlerMedianUs)} / ${ms(hit.untraced.rawGetMedianUs)})`);
    figure('read path', 'subsegments at the X-Ray daemon stand-in / traced hits', hitSubsegments, 'count', `${hitSubsegments} / ${hit.tracedInvocations}`);
  } else {
    figures.push({ section: 'read path', name: 'cache hit / raw Redis GET', value: null, unit: '×', display: 'n/a — Redis unreachable', budget: `≤ ${BUDGET.cacheHitRatio}×`, ok: undefined, note: hitError });
  }

  console.log(`projector: PostgreSQL, ${PROJECTOR_ROUNDS} rounds of ${PROJECTOR_EVENTS} events per variant …`);
  let projector: ProjectorResult | undefined;
  let projectorError: string | undefined;
  try {
    projector = await measureProjector({ rounds: PROJECTOR_ROUNDS, eventsPerRound: PROJECTOR_EVENTS });
  } catch (error) {
    projectorError = (error as Error).message.split('\n')[0];
    console.log(`  projector not measured: ${projectorError}`);
  }
  if (projector) {
    const naive = projector.throughput.find((t) => t.batch === 'naive')!.eventsPerSecond;
    const rate = (n: number) => `${Math.round(n).toLocaleString('en-US')} events/s`;
    figure('projector', 'naive loop (one row per statement)', naive, 'events/s', rate(naive));
    for (const t of projector.throughput.filter((x) => x.batch !== 'naive')) {
      const speedup = t.eventsPerSecond / naive;
      const display = `${rate(t.eventsPerSecond)} (${speedup.toFixed(1)}× naive)`;
      if (t.batch === 1000) {
        const ok = speedup >= BUDGET.projectorSpeedup && t.eventsPerSecond >= BUDGET.projectorEventsPerSecond;
        figure('projector', `batch of ${t.batch}`, t.eventsPerSecond, 'events/s', display, { budget: `≥ ${BUDGET.projectorSpeedup}× and ≥ ${rate(BUDGET.projectorEventsPerSecond)}`, pass: ok });
      } else {
        figure('projector', `batch of ${t.batch}`, t.eventsPerSecond, 'events/s', display);
      }
    }
  } else {
    figures.push({ section: 'projector', name: 'batch of 1000', value: null, unit: 'events/s', display: 'n/a — PostgreSQL unreachable', budget: `≥ ${BUDGET.projectorSpeedup}× and ≥ 20,000 events/s`, ok: undefined, note: projectorError });
  }

  console.log('');
  printTable();
  const http = functions.filter((f) => f.kind === 'http').map((f) => ({ name: f.name, size: sizes.get(f.name)! })).sort((a, b) => b.size.bytes - a.size.bytes)[0];
  if (http) printContributors(`largest HTTP bundle (${http.name})`, http.size);
  const authorizer = sizes.get('authorizer');
  if (authorizer) printContributors('authorizer bundle', authorizer);
  printContributors('reference bundle', sizes.get(REFERENCE)!);
  console.log(`\n${formatParts(routes)}`);

  const missed = figures.filter((f) => f.ok === false);
  const seconds = (Date.now() - started) / 1000;
  await writeFile(
    join(PROJECT_ROOT, 'bench', 'results.json'),
    `${JSON.stringify({
      measuredAt: new Date().toISOString(),
      command: 'npm run bench',
      stage: STAGE,
      machine: host,
      durationSeconds: seconds,
      settings: { coldRuns: COLD_RUNS, warmIterations: routes[0]?.samples, readIterations: read.samples, cacheHitIterations: hit?.samples, projectorRounds: PROJECTOR_ROUNDS, projectorEventsPerRound: PROJECTOR_EVENTS },
      budgets: BUDGET,
      figures,
      bundles: Object.fromEntries([...sizes].map(([name, s]) => [name, { bytes: s.bytes, contributors: s.contributors.slice(0, 15) }])),
      coldInit: { baselineMs: cold.baselineMs, baselineCpuMs: cold.baselineCpuMs, byFunction: Object.fromEntries(cold.byFunction) },
      warm: routes,
      readPath: read,
      cacheHit: hit ?? null,
      projector: projector?.throughput ?? null,
      missed: missed.map((f) => `${f.section}: ${f.name}`),
    }, null, 2)}\n`,
  );
  console.log(`\n${missed.length === 0 ? 'every measured budget met' : `${missed.length} budget(s) missed (FAIL)`}; bench/results.json written (${seconds.toFixed(0)} s)`);
  if (STRICT && missed.length > 0) process.exitCode = 1;
} finally {
  await daemon.stop();
  await rm(outDir, { recursive: true, force: true });
  await rm(join(PROJECT_ROOT, BENCH_WORK_FOLDER), { recursive: true, force: true });
}
