import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../scripts/lib/localStack.ts';
import type { WorkerMessage } from '../inProcess.ts';

/** Runs bench/inProcess.ts in `mode` in a process of its own with `env` (a Lambda-like environment); resolves with its one result. */
export function runWorker(mode: 'warm' | 'readpath' | 'cachehit', env: Record<string, string>): Promise<WorkerMessage> {
  return new Promise((done, fail) => {
    // stdout (Powertools logs and EMF metrics) is discarded, as the Lambda runtime ships it elsewhere;
    // stderr (Powertools warnings) is shown only if the worker fails.
    const child = fork(join(import.meta.dirname, '..', 'inProcess.ts'), [mode], { env, cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
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

/**
 * The in-process workers' environment: a packaged function's, with the cache on `redisUrl` (the
 * machine's Redis, under a key prefix of this run's own) instead of the stage's ElastiCache, whose
 * settings would send the cache's first use to SSM and Secrets Manager.
 */
export function inProcessEnvironment(functionEnvironment: Record<string, string>, redisUrl: string): Record<string, string> {
  const env: Record<string, string> = { ...functionEnvironment, REDIS_URL: redisUrl, CACHE_KEY_PREFIX: `bench-${randomBytes(6).toString('hex')}:` };
  delete env.CACHE_ENDPOINT_PARAMETER;
  delete env.CACHE_AUTH_SECRET_ID;
  return env;
}
