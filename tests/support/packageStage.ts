import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageTemplate, type Template } from '../../scripts/lib/localStack.ts';
import { PACKAGING_OUTCOME } from './testRun.ts';

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

/** The stages the templates and permissions projects read: `local` (the positive control of the "no local issuer" check) and every AWS stage. */
export const AWS_STAGES = ['dev', 'staging', 'prod'] as const;

/**
 * Packages `local`, then the AWS stages, one at a time (sls shares .serverless/ between runs),
 * into `dir`; `ended` writes the outcome packagedStages() (testRun.ts) waits for, and never rejects.
 */
export function packageStages(dir: string, awsStages: readonly string[] = AWS_STAGES): { local: Promise<Template>; ended: Promise<void> } {
  const local = packageStage('local', dir);
  const ended = local
    .then(async () => {
      for (const stage of awsStages) await packageStage(stage, dir);
    })
    .then(
      () => writeFile(join(dir, PACKAGING_OUTCOME), JSON.stringify({ stages: ['local', ...awsStages] })),
      (error: unknown) => writeFile(join(dir, PACKAGING_OUTCOME), JSON.stringify({ error: error instanceof Error ? error.message : String(error) })),
    );
  return { local, ended };
}
