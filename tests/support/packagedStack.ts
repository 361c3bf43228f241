import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import JSZip from 'jszip';
import { inject } from 'vitest';

export interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string; DependsOn?: unknown; Condition?: string; UpdatePolicy?: any }>;
  Outputs?: Record<string, unknown>;
  Conditions?: Record<string, any>;
}

export type DeployedStage = 'dev' | 'staging' | 'prod';
export const DEPLOYED_STAGES: readonly DeployedStage[] = ['dev', 'staging', 'prod'];

/** The CloudFormation template `sls package --stage <stage>` wrote (the global setup packages dev, staging, prod and local). */
export async function packagedTemplate(stage: DeployedStage | 'local'): Promise<Template> {
  return JSON.parse(await readFile(join(inject('packagedDir'), stage, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
}

/** Every file of every function zip of a packaged stage, as text. */
export async function packagedFiles(stage: DeployedStage | 'local'): Promise<{ zip: string; file: string; text: string }[]> {
  const dir = join(inject('packagedDir'), stage);
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
