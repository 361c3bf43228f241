import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { lambdaEnvironment } from './lambdaEnv.ts';
import { median, nowNs } from './stats.ts';
import type { PackagedFunction } from './packaging.ts';

export interface ColdInit {
  /** Median wall time of a fresh process that loads the bundle, minus the bare-Node median (ms). */
  readonly deltaMs: number;
  readonly medianMs: number;
  readonly samplesMs: readonly number[];
  /** The same in CPU time (user + system) of the process: less sensitive to other load on a shared machine. */
  readonly cpuDeltaMs: number;
}

interface Target {
  readonly label: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
}

/** Each process reports its own CPU time (user + system, µs) on stderr's last line. */
const REPORT_CPU = 'const u = process.cpuUsage(); process.stderr.write("\\n" + (u.user + u.system));';

/** Loads the module the way the Lambda Node.js runtime does (`require` for CommonJS, `import` for ESM) and checks the handler is there. */
function loaderArgs(fn: PackagedFunction): string[] {
  if (fn.entry.endsWith('.mjs')) {
    return ['--input-type=module', '-e', `const m = await import(process.argv[1]); if (typeof m.handler !== "function") process.exit(3); ${REPORT_CPU}`, pathToFileURL(fn.bundlePath).href];
  }
  return ['-e', `if (typeof require(process.argv[1]).handler !== "function") process.exit(3); ${REPORT_CPU}`, fn.bundlePath];
}

function timeOnce(target: Target): { wallMs: number; cpuMs: number } {
  const start = nowNs();
  const result = spawnSync(process.execPath, target.args, { env: target.env, cwd: target.env.LAMBDA_TASK_ROOT ?? process.cwd(), stdio: ['ignore', 'ignore', 'pipe'] });
  const wallMs = (nowNs() - start) / 1e6;
  const stderr = result.stderr.toString();
  if (result.status !== 0) throw new Error(`${target.label} failed to initialise (exit ${result.status ?? result.signal}): ${stderr.slice(0, 2000)}`);
  return { wallMs, cpuMs: Number(stderr.slice(stderr.lastIndexOf('\n') + 1)) / 1000 };
}

/**
 * Cold init per function: a fresh `node` that loads the bundle with the function's packaged
 * environment (NODE_OPTIONS included) and the runtime's reserved variables, `runs` times,
 * interleaved round-robin with a bare `node -e 0` (which only reports its CPU time) so drift on a
 * noisy machine hits both alike.
 */
export function measureColdInit(functions: readonly PackagedFunction[], runs: number): { baselineMs: number; baselineCpuMs: number; byFunction: Map<string, ColdInit> } {
  const bare: Target = { label: 'node -e 0', args: ['-e', REPORT_CPU], env: { PATH: process.env.PATH ?? '' } };
  const targets: Target[] = functions.map((fn) => ({ label: fn.name, args: loaderArgs(fn), env: lambdaEnvironment(fn.name, fn.environment, fn.taskRoot) }));
  // One untimed round first: page cache, and a failure shows before any timing.
  for (const target of [bare, ...targets]) timeOnce(target);
  const baseline: { wallMs: number; cpuMs: number }[] = [];
  const samples = new Map<string, { wallMs: number; cpuMs: number }[]>(targets.map((t) => [t.label, []]));
  for (let i = 0; i < runs; i++) {
    baseline.push(timeOnce(bare));
    for (const target of targets) {
      samples.get(target.label)!.push(timeOnce(target));
    }
  }
  const baselineMs = median(baseline.map((s) => s.wallMs));
  const baselineCpuMs = median(baseline.map((s) => s.cpuMs));
  const byFunction = new Map<string, ColdInit>();
  for (const [label, runsOf] of samples) {
    const wall = runsOf.map((s) => s.wallMs);
    byFunction.set(label, { deltaMs: median(wall) - baselineMs, medianMs: median(wall), samplesMs: wall, cpuDeltaMs: median(runsOf.map((s) => s.cpuMs)) - baselineCpuMs });
  }
  return { baselineMs, baselineCpuMs, byFunction };
}
