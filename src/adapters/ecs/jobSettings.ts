import * as z from 'zod/mini';
import { parseSettingsDocument } from '../../config/config.ts';
import { readParameter } from '../aws/parameters.ts';
import type { WorkerTaskSettings } from './EcsJobLauncher.ts';

/** How jobs run in this stage: the worker's task (cluster, task definition, network) and the jobs bucket. */
export interface JobSettings extends WorkerTaskSettings {
  readonly jobsBucket: string;
  /** The key the bucket's objects are encrypted with (AWS; a browser's upload must name it). Unset locally. */
  readonly kmsKeyArn?: string | undefined;
}

const nonEmpty = z.string().check(z.minLength(1));
const settingsSchema = z.object({
  cluster: nonEmpty,
  taskDefinition: nonEmpty,
  containerName: nonEmpty,
  subnets: z.array(nonEmpty).check(z.minLength(1)),
  securityGroups: z.array(nonEmpty).check(z.minLength(1)),
  jobsBucket: z.string().check(z.minLength(3)),
  kmsKeyArn: z.optional(z.string().check(z.startsWith('arn:'))),
});

/** Parses the settings document (JSON); a malformed one fails with what is wrong and where it came from. */
export function parseJobSettings(text: string | undefined, from: string): JobSettings {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch {
    throw new Error(`${from} is not JSON`);
  }
  return parseSettingsDocument(settingsSchema, value, from);
}

/**
 * The stage's job settings from the SSM parameter the stack publishes
 * (`/<service>/<stage>/jobs/settings`: generated subnet and security group ids cannot be function
 * environment). Read once per container.
 */
export async function readJobSettings(parameter: string, region: string): Promise<JobSettings> {
  return parseJobSettings(await readParameter(parameter, region), `SSM parameter ${parameter}`);
}
