import { join } from 'node:path';
import { packageTemplate } from '../../scripts/lib/localStack.ts';

/** `sls package --stage <stage>` into `<dir>/<stage>` with no AWS credentials at all (only PATH and an empty HOME). */
export function packageStage(stage: string, dir: string): ReturnType<typeof packageTemplate> {
  return packageTemplate(stage, join(dir, stage), { PATH: process.env.PATH, HOME: dir, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'), AWS_CONFIG_FILE: join(dir, 'no-config') });
}
