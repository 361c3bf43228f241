// Resources per stack and stage (docs/deploy.md, "Stacks"): `node scripts/stackSizes.ts [dir]`.
// With a directory, counts the templates packaged there (`<dir>/<stage>` the application: its root
// stack and each nested stack; `<dir>/<stage>-platform` the platform, as the tests package them);
// without one, packages both stacks of dev, staging and prod into a temporary directory first
// (offline, no AWS credentials). A resource whose condition is false in the stage is not counted,
// as CloudFormation does not create it; a nested stack counts once in the root, as a resource.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageTemplate } from './lib/localStack.ts';
import { readPackagedStacks } from './lib/packagedStacks.ts';
import { exitWithHelpIfAsked } from './lib/cli.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface CountedTemplate {
  readonly Resources: Record<string, { readonly Condition?: string }>;
  readonly Conditions?: Record<string, Json>;
}

export const STAGES = ['dev', 'staging', 'prod'] as const;

/**
 * The resources CloudFormation creates from a packaged template (conditions are literals once
 * packaged). A nested stack's conditions mirror its root's of the same name: `conditions` are the root's.
 */
export function resourceCount(template: CountedTemplate, conditions: Record<string, Json> = template.Conditions ?? {}): number {
  const holds = (name: string): boolean => Boolean(evaluate(conditions[name] ?? null));
  const evaluate = (value: Json): Json => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const [key, argument] = Object.entries(value)[0] ?? [];
    const args = argument as Json[];
    switch (key) {
      case 'Fn::Equals': return JSON.stringify(evaluate(args[0]!)) === JSON.stringify(evaluate(args[1]!));
      case 'Fn::Not': return !evaluate(args[0]!);
      case 'Fn::And': return args.every((a) => evaluate(a));
      case 'Fn::Or': return args.some((a) => evaluate(a));
      case 'Condition': return holds(argument as string);
      default: throw new Error(`A condition this count cannot evaluate: ${JSON.stringify(value)}`);
    }
  };
  return Object.values(template.Resources).filter((r) => r.Condition === undefined || holds(r.Condition)).length;
}

export interface StageSizes {
  readonly platform: number;
  /** The application's root stack (each nested stack one resource of it). */
  readonly application: number;
  /** Each nested stack of the application, by its logical id in the root. */
  readonly nested: Record<string, number>;
}

/** The resources of each stack of one stage packaged in `dir` (see the top of the file). */
export function stageSizes(dir: string, stage: string): StageSizes {
  const platform = readPackagedStacks(join(dir, `${stage}-platform`)).root;
  const { root, nested } = readPackagedStacks(join(dir, stage));
  return {
    platform: resourceCount(platform),
    application: resourceCount(root),
    nested: Object.fromEntries(Object.entries(nested).map(([id, { template }]) => [id, resourceCount(template, root.Conditions)])),
  };
}

/** One line per stage: the platform, the application's root, its nested stacks (how many, the largest), and everything. */
export function sizesTable(sizes: Record<string, StageSizes>): string {
  const lines = ['| stage | platform | application root | nested stacks | largest nested stack | all resources |', '|---|---|---|---|---|---|'];
  for (const [stage, size] of Object.entries(sizes)) {
    const nested = Object.entries(size.nested).sort(([, a], [, b]) => b - a);
    const largest = nested[0] ? `${nested[0][1]} (${nested[0][0]})` : '-';
    const all = size.platform + size.application - nested.length + nested.reduce((sum, [, n]) => sum + n, 0);
    lines.push(`| ${stage} | ${size.platform} | ${size.application} | ${nested.length} | ${largest} | ${all} |`);
  }
  return lines.join('\n');
}

async function main(dir: string | undefined): Promise<void> {
  const work = dir ?? (await mkdtemp(join(tmpdir(), 'stack-sizes-')));
  try {
    if (!dir) {
      for (const stage of STAGES) {
        // Prod refuses to package without an alarm subscriber; any address does for counting.
        const env = { ...process.env, ...(stage === 'prod' && { ALARM_SUBSCRIPTION_ENDPOINT: process.env['ALARM_SUBSCRIPTION_ENDPOINT'] || 'alarms@example.com' }) };
        await packageTemplate(stage, join(work, `${stage}-platform`), env, 'platform.yml');
        await packageTemplate(stage, join(work, stage), env);
      }
    }
    console.log(sizesTable(Object.fromEntries(STAGES.map((stage) => [stage, stageSizes(work, stage)]))));
  } finally {
    if (!dir) await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  exitWithHelpIfAsked('usage: node scripts/stackSizes.ts [dir]\nResources per stack and stage (the platform, the application root and its nested stacks); without a directory, packages both stacks of dev, staging and prod first (offline).');
  await main(process.argv[2]);
}
