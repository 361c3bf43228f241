import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { PROJECT_ROOT } from '../../scripts/lib/localStack.ts';
import { packagedApplication } from '../../scripts/lib/packagedStacks.ts';
import type { FunctionKind } from './budgets.ts';
import { STAGE, type TemplateValue } from './lambdaEnv.ts';

const run = promisify(execFile);

/** The bench's own esbuild work folder (kept after packaging for its metafiles); gitignored by `.esbuild*`. */
export const BENCH_WORK_FOLDER = '.esbuild-bench';

export interface PackagedFunction {
  /** The function's name in serverless.yml, e.g. `getEntity`. */
  readonly name: string;
  /** `http`: behind an API Gateway route; `authorizer`: the routes' token authorizer; `other`: streams, queues, schedules, triggers. */
  readonly kind: FunctionKind;
  /** Path of the handler module inside the zip, e.g. `functions/entities/getEntity.cjs`. */
  readonly entry: string;
  /** Where the zip was extracted (the Lambda task root). */
  readonly taskRoot: string;
  /** The handler module, extracted. */
  readonly bundlePath: string;
  /** The function's environment variables in the packaged template (a `{ Ref }` or another intrinsic function where the template resolves it at deploy time). */
  readonly environment: Record<string, TemplateValue>;
  readonly zipBytes: number;
  /** esbuild's metafile for this function. */
  readonly metafile: Metafile;
}

export interface Metafile {
  inputs: Record<string, { bytes: number }>;
  outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>;
}

/** The part of `serverless-state.json` that tells what triggers each function. */
interface ServiceState {
  service: { functions: Record<string, { events?: { http?: { authorizer?: { name?: string } } }[] }> };
}

/** Each function's kind, from the packaged service's events: an `http` event, or named as an `http` event's authorizer. */
export function functionKinds(state: ServiceState): Map<string, FunctionKind> {
  const functions = Object.entries(state.service.functions);
  const authorizers = new Set(functions.flatMap(([, fn]) => (fn.events ?? []).map((e) => e.http?.authorizer?.name).filter((n): n is string => n !== undefined)));
  return new Map(functions.map(([name, fn]) => [name, authorizers.has(name) ? 'authorizer' : (fn.events ?? []).some((e) => e.http !== undefined) ? 'http' : 'other']));
}

interface Template {
  Resources: Record<string, { Type: string; Properties?: { Handler?: string; Environment?: { Variables?: Record<string, TemplateValue> } } }>;
}

/**
 * `sls package --stage dev` exactly as a deploy would, without AWS credentials, into `outDir`,
 * with metafiles on and the bench's own work folder; then every function zip extracted.
 */
export async function packageFunctions(outDir: string): Promise<PackagedFunction[]> {
  const packageDir = join(outDir, 'package');
  await rm(join(PROJECT_ROOT, BENCH_WORK_FOLDER), { recursive: true, force: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: outDir,
    AWS_SHARED_CREDENTIALS_FILE: join(outDir, 'no-credentials'),
    AWS_CONFIG_FILE: join(outDir, 'no-config'),
    ESBUILD_WORK_FOLDER: BENCH_WORK_FOLDER,
    ESBUILD_METAFILE: 'true',
    ESBUILD_KEEP_OUTPUT: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    // prod refuses to package without an alarm subscription; the bench deploys nothing.
    ALARM_SUBSCRIPTION_ENDPOINT: 'bench@example.com',
  };
  await run(join(PROJECT_ROOT, 'node_modules', '.bin', 'sls'), ['package', '--stage', STAGE, '--package', packageDir], { cwd: PROJECT_ROOT, env, maxBuffer: 16 * 1024 * 1024 });

  // The functions are in the application's nested stacks: read the root and nested stacks as one template.
  const template = packagedApplication(packageDir) as Template;
  const kinds = functionKinds(JSON.parse(await readFile(join(packageDir, 'serverless-state.json'), 'utf8')) as ServiceState);
  const buildDir = join(PROJECT_ROOT, BENCH_WORK_FOLDER, '.build');
  const functions: PackagedFunction[] = [];
  for (const zipName of (await readdir(packageDir)).filter((f) => f.endsWith('.zip')).sort()) {
    const name = zipName.slice(0, -'.zip'.length);
    const resource = template.Resources[`${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`];
    const handler = resource?.Properties?.Handler;
    if (!handler) throw new Error(`No function in the template for ${zipName}`);
    const modulePath = handler.slice(0, handler.lastIndexOf('.'));
    const zipData = await readFile(join(packageDir, zipName));
    const zip = await JSZip.loadAsync(zipData);
    const entry = ['.cjs', '.mjs', '.js'].map((ext) => `${modulePath}${ext}`).find((p) => zip.file(p) !== null);
    if (!entry) throw new Error(`${zipName} has no module for handler ${handler}`);
    const taskRoot = join(outDir, 'functions', name);
    for (const file of Object.values(zip.files)) {
      if (file.dir) continue;
      const target = join(taskRoot, file.name);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, await file.async('nodebuffer'));
    }
    const metafile = JSON.parse(await readFile(join(buildDir, `${modulePath}-meta.json`), 'utf8')) as Metafile;
    functions.push({
      name,
      kind: kinds.get(name) ?? 'other',
      entry,
      taskRoot,
      bundlePath: join(taskRoot, entry),
      environment: resource.Properties?.Environment?.Variables ?? {},
      zipBytes: zipData.byteLength,
      metafile,
    });
  }
  return functions;
}
