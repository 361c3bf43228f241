import { readFileSync } from 'node:fs';
import type { AwsCall } from '../../src/observability/awsCallLog.ts';
import { testRun } from '../support/testRun.ts';

/** Every AWS call the functions and the worker made during the stack suite (src/observability/awsCallLog.ts). */
export function recordedCalls(): AwsCall[] {
  return readFileSync(testRun().awsCallLog, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as AwsCall);
}
