// Resources per stack and stage (docs/deploy.md, "Stacks"): `node scripts/stackSizes.ts [dir]`.
// With a directory, counts the templates packaged there (`<dir>/<stage>` the application,
// `<dir>/<stage>-platform` the platform, as the tests package them); without one, packages both
// stacks of dev, staging and prod into a temporary directory first (offline, no AWS credentials).
// A resource whose condition is false in the stage is not counted, as CloudFormation does not create it.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageTemplate } from './lib/localStack.ts';
import { exitWithHelpIfAsked } from './lib/cli.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface CountedTemplate {
  readonly Resources: Record<string, { readonly Condition?: string }>;
  readonly Conditions?: Record<string, Json>;
}

export const STAGES = ['dev', 'staging', 'prod'] as const;

/** The resources CloudFormation creates from a packaged template (conditions are literals once packaged). */
export function resourceCount(template: CountedTemplate): number {
  const conditions = template.Conditions ?? {};
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

export async function stackSizes(dir: string): Promise<Record<string, { platform: number; application: number }>> {
  const read = async (name: string) => JSON.parse(await readFile(join(dir, name, 'cloudformation-template-update-stack.json'), 'utf8')) as CountedTemplate;
  const sizes: Record<string, { platform: number; application: number }> = {};
  for (const stage of STAGES) sizes[stage] = { platform: resourceCount(await read(`${stage}-platform`)), application: resourceCount(await read(stage)) };
  return sizes;
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
    console.log('| stage | platform | application |\n|---|---|---|');
    for (const [stage, size] of Object.entries(await stackSizes(work))) console.log(`| ${stage} | ${size.platform} | ${size.application} |`);
  } finally {
    if (!dir) await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  exitWithHelpIfAsked('usage: node scripts/stackSizes.ts [dir]\nResources per stack and stage; without a directory, packages both stacks of dev, staging and prod first (offline).');
  await main(process.argv[2]);
}
