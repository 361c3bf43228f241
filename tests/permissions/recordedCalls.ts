import { readFileSync } from 'node:fs';
import type { AwsCall } from '../../src/observability/awsCallLog.ts';

/**
 * The stack project's run, as its global setup left it for this project (which runs after it):
 * where the stages were packaged and where the functions' AWS calls were recorded.
 */
export function testRun(): { packagedDir: string; awsCallLog: string } {
  const run = process.env['ENTITY_PLATFORM_TEST_RUN'];
  if (!run) throw new Error('ENTITY_PLATFORM_TEST_RUN is unset: run the permissions project with the stack project (`npm test`), whose global setup records the calls');
  return JSON.parse(run) as { packagedDir: string; awsCallLog: string };
}

/** Every AWS call the functions and the worker made during the stack suite (src/observability/awsCallLog.ts). */
export function recordedCalls(): AwsCall[] {
  return readFileSync(testRun().awsCallLog, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as AwsCall);
}
