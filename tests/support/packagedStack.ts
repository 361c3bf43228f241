import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import JSZip from 'jszip';
import { packagedApplication, readPackagedStacks, type PackagedStacks } from '../../scripts/lib/packagedStacks.ts';
import { platformDir } from './packageStage.ts';
import { testRun } from './testRun.ts';

export interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string; DependsOn?: unknown; Condition?: string; UpdatePolicy?: any }>;
  Outputs?: Record<string, any>;
  Conditions?: Record<string, any>;
}

export type DeployedStage = 'dev' | 'staging' | 'prod';

// The packaged stages' folder (tests/support/testRun.ts): `local` is there before any test starts;
// the AWS stages once packagedStages() resolves, which every template test awaits first.
export const DEPLOYED_STAGES: readonly DeployedStage[] = ['dev', 'staging', 'prod'];

const applications = new Map<string, Template>();

/**
 * The application stack `sls package --stage <stage>` wrote (the global setup packages dev, staging,
 * prod and local), as one template: its root stack and nested stacks merged
 * (scripts/lib/packagedStacks.ts), so a check reads every resource where the stage has it. Merged
 * once per test file and shared: read it, or change a copy (`structuredClone`).
 */
export function packagedTemplate(stage: DeployedStage | 'local'): Promise<Template> {
  const dir = join(testRun().packagedDir, stage);
  if (!applications.has(dir)) applications.set(dir, packagedApplication(dir));
  return Promise.resolve(applications.get(dir)!);
}

/** The application's templates as CloudFormation deploys them: the root stack's, and each nested stack's. */
export function packagedNestedStacks(stage: DeployedStage | 'local'): PackagedStacks {
  return readPackagedStacks(join(testRun().packagedDir, stage));
}

/** The platform stack's template `sls package --config platform.yml --stage <stage>` wrote. */
export async function packagedPlatformTemplate(stage: DeployedStage | 'local'): Promise<Template> {
  return JSON.parse(await readFile(join(testRun().packagedDir, platformDir(stage), 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
}

/**
 * Both stacks of a stage as one template (what the account holds after a deploy): the platform's
 * resources, conditions and outputs beside the application's. Logical ids are unique across the
 * two (tests/infrastructure/stacks.test.ts), except each stack's own deployment bucket, which
 * stays the application's here.
 */
export async function packagedStacks(stage: DeployedStage | 'local'): Promise<Template> {
  const [app, platform] = await Promise.all([packagedTemplate(stage), packagedPlatformTemplate(stage)]);
  return mergeStacks(app, platform);
}

/** The platform's logical ids that every Serverless stack has (its deployment bucket). */
export const OWN_TO_EACH_STACK = ['ServerlessDeploymentBucket', 'ServerlessDeploymentBucketPolicy'];

export function mergeStacks(app: Template, platform: Template): Template {
  const platformResources = Object.fromEntries(Object.entries(platform.Resources).filter(([id]) => !OWN_TO_EACH_STACK.includes(id)));
  return {
    Resources: { ...platformResources, ...app.Resources },
    Conditions: { ...platform.Conditions, ...app.Conditions },
    Outputs: { ...platform.Outputs, ...app.Outputs },
  };
}

/** Every file of every function zip of a packaged stage, as text. */
export async function packagedFiles(stage: DeployedStage | 'local'): Promise<{ zip: string; file: string; text: string }[]> {
  const dir = join(testRun().packagedDir, stage);
  const zips = (await readdir(dir)).filter((f) => f.endsWith('.zip'));
  const files: { zip: string; file: string; text: string }[] = [];
  for (const zipName of zips) {
    const zip = await JSZip.loadAsync(await readFile(join(dir, zipName)));
    for (const entry of Object.values(zip.files)) {
      if (!entry.dir) files.push({ zip: zipName, file: entry.name, text: await entry.async('string') });
    }
  }
  return files;
}

export function resourcesOfType(template: Template, type: string): [string, Template['Resources'][string]][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}
