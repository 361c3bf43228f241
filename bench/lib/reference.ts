import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../../scripts/lib/localStack.ts';
import type { TemplateValue } from './lambdaEnv.ts';
import type { PackagedFunction } from './packaging.ts';

/** The reference's name in the bench's figures. */
export const REFERENCE = 'reference';

/**
 * Bundles bench/reference/getEntity.ts with esbuild's defaults for a Node Lambda function (bundle,
 * minify, CommonJS; no alias, no define, no tree-shaking hints of ours), into `outDir`, as a
 * function the cold-init measurement can load: the packaged getEntity's environment, so that it
 * starts with what ours starts with.
 */
export async function buildReference(outDir: string, environment: Record<string, TemplateValue>): Promise<PackagedFunction> {
  const taskRoot = join(outDir, 'functions', REFERENCE);
  await mkdir(taskRoot, { recursive: true });
  const entry = 'getEntity.cjs';
  const bundlePath = join(taskRoot, entry);
  const result = await build({
    entryPoints: [join(PROJECT_ROOT, 'bench', 'reference', 'getEntity.ts')],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    outfile: bundlePath,
    metafile: true,
    logLevel: 'silent',
  });
  const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  return { name: REFERENCE, kind: 'other', entry, taskRoot, bundlePath, environment, zipBytes: bytes, metafile: result.metafile };
}
