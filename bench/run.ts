/**
 * `npm run bench`: bundle size, cold init, warm overhead and the read path of every function,
 * each beside its budget (issue 7). Writes bench/results.json; exits 1 when a measured budget
 * is missed. Figures are medians and ratios within this one run: the machine is shared.
 *
 * BENCH_COLD_RUNS (default 15), BENCH_WARM_ITERATIONS (5000) and BENCH_READ_ITERATIONS (300) trade
 * time for precision.
 */
import { fork } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTable, freePort, PROJECT_ROOT, startDynamoDbLocal } from '../scripts/lib/localStack.ts';
import { bundleSize, type BundleSize } from './lib/bundleSize.ts';
import { measureColdInit } from './lib/coldInit.ts';
import { lambdaEnvironment, STAGE } from './lib/lambdaEnv.ts';
import { BENCH_WORK_FOLDER, packageFunctions, type PackagedFunction } from './lib/packaging.ts';
import type { LatencyResult, ReadPathResult, WorkerMessage } from './inProcess.ts';

const KB = 1000;
const BUDGET = {
  httpBundleBytes: 400 * KB,
  authorizerBundleBytes: 150 * KB,
  httpColdInitMs: 40,
  authorizerColdInitMs: 25,
  warmMedianUs: 100,
  warmP99Us: 500,
  cacheHitRatio: 1.5,
} as const;
const COLD_RUNS = Math.max(10, Number(process.env.BENCH_COLD_RUNS ?? 15));

interface Figure {
  readonly section: string;
  readonly name: string;
  /** `null`: not measurable yet (see `note`). */
  readonly value: number | null;
  readonly unit: string;
  readonly display: string;
  readonly budget: string;
  /** `undefined`: no budget for this figure (informational). */
  readonly ok: boolean | undefined;
  readonly note?: string;
}

const figures: Figure[] = [];
function figure(section: string, name: string, value: number, unit: string, display: string, budget?: { text: string; ok: boolean }): void {
  figures.push({ section, name, value, unit, display, budget: budget?.text ?? '—', ok: budget?.ok });
}
const kb = (bytes: number) => `${(bytes / KB).toFixed(1)} KB`;
const isAuthorizer = (name: string) => name === 'authorizer';

async function machine(): Promise<{ node: string; cpu: string; cores: number }> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return { node: process.version, cpu: model.trim(), cores: cpus().length };
}

function runWorker(mode: 'warm' | 'readpath', env: Record<string, string>): Promise<WorkerMessage> {
  return new Promise((done, fail) => {
    // stdout (Powertools logs and EMF metrics) is discarded, as the Lambda runtime ships it elsewhere;
    // stderr (Powertools warnings) is shown only if the worker fails.
    const child = fork(join(import.meta.dirname, 'inProcess.ts'), [mode], { env, cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8000)));
    let message: WorkerMessage | undefined;
    child.on('message', (m) => (message = m as WorkerMessage));
    child.on('error', fail);
    child.on('exit', (code) => {
      if (message?.kind === 'error') fail(new Error(`bench worker (${mode}) failed: ${message.message}\n${stderr}`));
      else if (message) done(message);
      else fail(new Error(`bench worker (${mode}) exited ${code} without a result\n${stderr}`));
    });
  });
}

function bundleFigures(functions: readonly PackagedFunction[]): Map<string, BundleSize> {
  const sizes = new Map(functions.map((fn) => [fn.name, bundleSize(fn.metafile, fn.entry)]));
  for (const fn of functions) {
    const { bytes } = sizes.get(fn.name)!;
    const limit = isAuthorizer(fn.name) ? BUDGET.authorizerBundleBytes : BUDGET.httpBundleBytes;
    figure('bundle size', fn.name, bytes, 'bytes', kb(bytes), { text: `≤ ${kb(limit)}`, ok: bytes <= limit });
  }
  const total = [...sizes.values()].reduce((sum, s) => sum + s.bytes, 0);
  figure('bundle size', `total (${functions.length} functions)`, total, 'bytes', kb(total));
  return sizes;
}

function printTable(): void {
  const rows = figures.map((f) => [f.section, f.name, f.display, f.budget, f.ok === undefined ? '' : f.ok ? 'ok' : 'MISSED']);
  const header = ['section', 'figure', 'measured', 'budget', ''];
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
try {
  const host = await machine();
  console.log(`npm run bench — stage ${STAGE}, Node ${host.node}, ${host.cpu} (${host.cores} CPUs)\n`);

  console.log('packaging (sls package) …');
  const functions = await packageFunctions(outDir);
  const sizes = bundleFigures(functions);

  console.log(`cold init: ${COLD_RUNS} fresh processes per function …`);
  const cold = measureColdInit(functions, COLD_RUNS);
  for (const fn of functions) {
    const c = cold.byFunction.get(fn.name)!;
    const limit = isAuthorizer(fn.name) ? BUDGET.authorizerColdInitMs : BUDGET.httpColdInitMs;
    figure('cold init (Δ over node -e 0)', fn.name, c.deltaMs, 'ms', `${c.deltaMs.toFixed(1)} ms (cpu ${c.cpuDeltaMs.toFixed(1)})`, { text: `≤ ${limit} ms`, ok: c.deltaMs <= limit });
  }
  figure('cold init (Δ over node -e 0)', 'baseline: node -e 0', cold.baselineMs, 'ms', `${cold.baselineMs.toFixed(1)} ms (cpu ${cold.baselineCpuMs.toFixed(1)})`);

  // The HTTP functions share one environment (the provider's); take it from a packaged one.
  const httpFunction = functions.find((f) => f.name === 'getEntity')!;
  const workerEnv = lambdaEnvironment('getEntity', httpFunction.environment, PROJECT_ROOT);

  console.log('warm overhead: every route in-process, store calls answered in-process …');
  const warm = await runWorker('warm', workerEnv);
  const routes: LatencyResult[] = warm.kind === 'warm' ? warm.routes : [];
  for (const r of routes) {
    figure('warm overhead (median)', r.name, r.medianUs, 'µs', `${r.medianUs.toFixed(1)} µs`, { text: `≤ ${BUDGET.warmMedianUs} µs`, ok: r.medianUs <= BUDGET.warmMedianUs });
  }
  for (const r of routes) {
    figure('warm overhead (p99)', r.name, r.p99Us, 'µs', `${r.p99Us.toFixed(1)} µs`, { text: `≤ ${BUDGET.warmP99Us} µs`, ok: r.p99Us <= BUDGET.warmP99Us });
  }

  console.log('read path: DynamoDB Local …');
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  let read: ReadPathResult;
  try {
    const table = workerEnv.ENTITIES_TABLE!;
    await ensureTable(dynamo.endpoint, table);
    const message = await runWorker('readpath', { ...workerEnv, DYNAMODB_ENDPOINT: dynamo.endpoint });
    if (message.kind !== 'readpath') throw new Error('unexpected worker reply');
    read = message.result;
  } finally {
    await dynamo.stop();
  }
  figure('read path', 'GET /secure/entities/{id}, no cache (DynamoDB Local)', read.handlerMedianUs, 'µs', `${(read.handlerMedianUs / 1000).toFixed(2)} ms`);
  figure('read path', 'raw GetItem, same process', read.rawGetItemMedianUs, 'µs', `${(read.rawGetItemMedianUs / 1000).toFixed(2)} ms`);
  figure('read path', 'cache miss / raw GetItem', read.ratio, '×', `${read.ratio.toFixed(2)}×`);
  figures.push({ section: 'read path', name: 'cache hit / raw Redis GET', value: null, unit: '×', display: 'n/a — needs issue 5', budget: `≤ ${BUDGET.cacheHitRatio}×`, ok: undefined, note: 'the Redis cache does not exist yet (issue 5)' });
  figures.push({ section: 'projector', name: 'batch of 1000 vs naive loop', value: null, unit: 'events/s', display: 'n/a — needs issue 4', budget: '≥ 10× and ≥ 20,000 events/s', ok: undefined, note: 'the PostgreSQL projector does not exist yet (issue 4)' });

  console.log('');
  printTable();
  const http = functions.filter((f) => !isAuthorizer(f.name)).map((f) => ({ name: f.name, size: sizes.get(f.name)! })).sort((a, b) => b.size.bytes - a.size.bytes)[0];
  if (http) printContributors(`largest HTTP bundle (${http.name})`, http.size);
  const authorizer = sizes.get('authorizer');
  if (authorizer) printContributors('authorizer bundle', authorizer);

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
      settings: { coldRuns: COLD_RUNS, warmIterations: routes[0]?.samples, readIterations: read.samples },
      budgets: BUDGET,
      figures,
      bundles: Object.fromEntries([...sizes].map(([name, s]) => [name, { bytes: s.bytes, contributors: s.contributors.slice(0, 15) }])),
      coldInit: { baselineMs: cold.baselineMs, baselineCpuMs: cold.baselineCpuMs, byFunction: Object.fromEntries(cold.byFunction) },
      warm: routes,
      readPath: read,
      missed: missed.map((f) => `${f.section}: ${f.name}`),
    }, null, 2)}\n`,
  );
  console.log(`\n${missed.length === 0 ? 'every measured budget met' : `${missed.length} budget(s) missed`}; bench/results.json written (${seconds.toFixed(0)} s)`);
  process.exitCode = missed.length === 0 ? 0 : 1;
} finally {
  await rm(outDir, { recursive: true, force: true });
  await rm(join(PROJECT_ROOT, BENCH_WORK_FOLDER), { recursive: true, force: true });
}
