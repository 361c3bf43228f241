import { join } from 'node:path';
import { packageTemplate } from '../../scripts/lib/localStack.ts';

/** Where the packaged prod stage's alarms go: prod refuses to package without a subscriber, as in CI (README, "First deploy"). */
export const TEST_ALARM_ENDPOINT = 'alarms@example.com';

/** `sls package --stage <stage>` into `<dir>/<stage>` with no AWS credentials at all (only PATH and an empty HOME; prod: its alarm subscriber). */
export function packageStage(stage: string, dir: string): ReturnType<typeof packageTemplate> {
  const alarms = stage === 'prod' ? { ALARM_SUBSCRIPTION_ENDPOINT: TEST_ALARM_ENDPOINT } : {};
  return packageTemplate(stage, join(dir, stage), { PATH: process.env.PATH, HOME: dir, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'), AWS_CONFIG_FILE: join(dir, 'no-config'), ...alarms });
}
