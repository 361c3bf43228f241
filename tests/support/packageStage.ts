import { join } from 'node:path';
import { packageTemplate } from '../../scripts/lib/localStack.ts';

/** Where the packaged prod stage's alarms go: prod refuses to package without a subscriber, as in CI (docs/deploy.md, "First deploy"). */
export const TEST_ALARM_ENDPOINT = 'alarms@example.com';

/** Where a stage's platform stack (platform.yml) is packaged, beside its application stack (`<dir>/<stage>`). */
export const platformDir = (stage: string) => `${stage}-platform`;

/**
 * `sls package --stage <stage>` of both stacks (docs/deploy.md, "Stacks"): the platform (platform.yml) into
 * `<dir>/<stage>-platform`, the application (serverless.yml) into `<dir>/<stage>`, with no AWS
 * credentials at all (only PATH and an empty HOME; prod: its alarm subscriber). Resolves to the
 * application's template.
 */
export async function packageStage(stage: string, dir: string): ReturnType<typeof packageTemplate> {
  const alarms = stage === 'prod' ? { ALARM_SUBSCRIPTION_ENDPOINT: TEST_ALARM_ENDPOINT } : {};
  const env = { PATH: process.env.PATH, HOME: dir, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'), AWS_CONFIG_FILE: join(dir, 'no-config'), ...alarms };
  await packageTemplate(stage, join(dir, platformDir(stage)), env, 'platform.yml');
  return packageTemplate(stage, join(dir, stage), env);
}
