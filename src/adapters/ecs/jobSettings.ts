import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import * as z from 'zod';
import type { WorkerTaskSettings } from './EcsJobLauncher.ts';

/** How jobs run in this stage: the worker's task (cluster, task definition, network) and the jobs bucket. */
export interface JobSettings extends WorkerTaskSettings {
  readonly jobsBucket: string;
}

const settingsSchema = z.object({
  cluster: z.string().min(1),
  taskDefinition: z.string().min(1),
  containerName: z.string().min(1),
  subnets: z.array(z.string().min(1)).min(1),
  securityGroups: z.array(z.string().min(1)).min(1),
  jobsBucket: z.string().min(3),
});

/** Parses the settings document (JSON); a malformed one fails with what is wrong and where it came from. */
export function parseJobSettings(text: string | undefined, from: string): JobSettings {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch {
    throw new Error(`${from} is not JSON`);
  }
  const parsed = settingsSchema.safeParse(value);
  if (!parsed.success) throw new Error(`${from} is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * The stage's job settings from the SSM parameter the stack publishes
 * (`/<service>/<stage>/jobs/settings`: generated subnet and security group ids cannot be function
 * environment). Read once per container.
 */
export async function readJobSettings(ssm: Pick<SSMClient, 'send'>, parameter: string): Promise<JobSettings> {
  const { Parameter } = await ssm.send(new GetParameterCommand({ Name: parameter }));
  return parseJobSettings(Parameter?.Value, `SSM parameter ${parameter}`);
}
