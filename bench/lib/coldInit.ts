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
}

interface Target {
  readonly label: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
}

/** Loads the module the way the Lambda Node.js runtime does (`require` for CommonJS, `import` for ESM) and checks the handler is there. */
function loaderArgs(fn: PackagedFunction): string[] {
  if (fn.entry.endsWith('.mjs')) {
    return ['--input-type=module', '-e', 'const m = await import(process.argv[1]); if (typeof m.handler !== "function") process.exit(3);', pathToFileURL(fn.bundlePath).href];
  }
  return ['-e', 'if (typeof require(process.argv[1]).handler !== "function") process.exit(3);', fn.bundlePath];
}

function timeOnce(target: Target): number {
  const start = nowNs();
  const result = spawnSync(process.execPath, target.args, { env: target.env, cwd: target.env.LAMBDA_TASK_ROOT ?? process.cwd(), stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = (nowNs() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${target.label} failed to initialise (exit ${result.status ?? result.signal}): ${result.stderr.toString().slice(0, 2000)}`);
  return elapsed;
}

/**
 * Cold init per function: a fresh `node` that loads the bundle with the function's packaged
 * environment (NODE_OPTIONS included) and the runtime's reserved variables, `runs` times,
 * interleaved round-robin with a bare `node -e 0` so drift on a noisy machine hits both alike.
 */
export function measureColdInit(functions: readonly PackagedFunction[], runs: number): { baselineMs: number; byFunction: Map<string, ColdInit> } {
  const bare: Target = { label: 'node -e 0', args: ['-e', '0'], env: { PATH: process.env.PATH ?? '' } };
  const targets: Target[] = functions.map((fn) => ({ label: fn.name, args: loaderArgs(fn), env: lambdaEnvironment(fn.name, fn.environment, fn.taskRoot) }));
  // One untimed round first: page cache, and a failure shows before any timing.
  for (const target of [bare, ...targets]) timeOnce(target);
  const baseline: number[] = [];
  const samples = new Map<string, number[]>(targets.map((t) => [t.label, []]));
  for (let i = 0; i < runs; i++) {
    baseline.push(timeOnce(bare));
    for (const target of targets) {
      samples.get(target.label)!.push(timeOnce(target));
    }
  }
  const baselineMs = median(baseline);
  const byFunction = new Map<string, ColdInit>();
  for (const [label, ms] of samples) {
    byFunction.set(label, { deltaMs: median(ms) - baselineMs, medianMs: median(ms), samplesMs: ms });
  }
  return { baselineMs, byFunction };
}
