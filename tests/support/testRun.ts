import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../../scripts/lib/localStack.ts';

/**
 * The stack project's run, as its global setup leaves it for every test process (through the
 * environment): where the stages are packaged and where the functions' AWS calls are recorded.
 */
export function testRun(): { packagedDir: string; awsCallLog: string } {
  const run = process.env['ENTITY_PLATFORM_TEST_RUN'];
  if (!run) throw new Error('ENTITY_PLATFORM_TEST_RUN is unset: run this project with the stack project (`npm test`), whose global setup packages the stages and records the calls');
  return JSON.parse(run) as { packagedDir: string; awsCallLog: string };
}

/** How long a template test waits for the packaging (a loaded 2-core machine takes several minutes). */
export const PACKAGED_STAGES_TIMEOUT_MS = 900_000;

/** What the global setup writes beside the packaged stages when their packaging has ended. */
export const PACKAGING_OUTCOME = 'packaging-outcome.json';

/**
 * The packaged stages' folder once the global setup's packaging of the AWS stages has ended (it
 * runs beside the stack's tests; `local` is packaged before any test starts). Throws what failed
 * if it failed.
 */
export async function packagedStages(timeoutMs = PACKAGED_STAGES_TIMEOUT_MS): Promise<string> {
  const { packagedDir } = testRun();
  const outcome = join(packagedDir, PACKAGING_OUTCOME);
  // Read until it is there and whole (the setup may be writing it).
  const { error } = await waitFor('the packaged stages', async () => JSON.parse(await readFile(outcome, 'utf8')) as { error?: string }, timeoutMs);
  if (error !== undefined) throw new Error(`packaging the stages failed: ${error}`);
  return packagedDir;
}
