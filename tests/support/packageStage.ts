import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../scripts/lib/localStack.ts';

const run = promisify(execFile);

/** `sls package --stage <stage>` with no AWS credentials at all, into `<dir>/<stage>`. */
export async function packageStage(stage: string, dir: string): Promise<string> {
  const out = join(dir, stage);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'), AWS_CONFIG_FILE: join(dir, 'no-config'), ESBUILD_WORK_FOLDER: `.esbuild-package-${stage}`, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };
  await run(join(PROJECT_ROOT, 'node_modules', '.bin', 'sls'), ['package', '--stage', stage, '--package', out], { cwd: PROJECT_ROOT, env, maxBuffer: 16 * 1024 * 1024 });
  return out;
}
