import { ECSClient, RunTaskCommand, type RunTaskCommandInput } from '@aws-sdk/client-ecs';
import { awsClientConfig, instrumented, type AwsClientOptions } from '../aws/clientConfig.ts';
import type { CapacityProvider, JobLauncher } from '../../domain/ports.ts';

/** Where and how the worker's task runs (published by the stack: resources/compute.yml). */
export interface WorkerTaskSettings {
  readonly cluster: string;
  readonly taskDefinition: string;
  readonly containerName: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
}

const CAPACITY = /capacity/i;

/**
 * Starts the worker's task with ECS RunTask: the job's command and `JOB_ID` as container
 * overrides, awsvpc in the private subnets with the worker's security group, no public IP.
 * Fargate Spot first; when Spot has no capacity (a `failures` entry, not an exception) the
 * task is started on on-demand Fargate instead: ECS itself never falls back between capacity
 * providers. `clientToken` makes a retried call start no second task.
 */
export class EcsJobLauncher implements JobLauncher {
  private readonly client: Pick<ECSClient, 'send'>;
  private readonly settings: () => Promise<WorkerTaskSettings>;

  constructor(options: { client: Pick<ECSClient, 'send'>; settings: () => Promise<WorkerTaskSettings> }) {
    this.client = options.client;
    this.settings = options.settings;
  }

  async launch(job: { jobId: string; run: number; command: readonly string[]; spot: boolean }): Promise<{ taskArn: string; capacityProvider: CapacityProvider }> {
    const settings = await this.settings();
    const providers: CapacityProvider[] = job.spot ? ['FARGATE_SPOT', 'FARGATE'] : ['FARGATE'];
    const reasons: string[] = [];
    for (const capacityProvider of providers) {
      const { tasks, failures } = await this.client.send(new RunTaskCommand(runTaskInput(settings, job, capacityProvider)));
      const taskArn = tasks?.[0]?.taskArn;
      if (taskArn) return { taskArn, capacityProvider };
      const reason = (failures ?? []).map((f) => [f.reason, f.detail].filter(Boolean).join(': ')).join('; ') || 'no task and no failure reported';
      reasons.push(`${capacityProvider}: ${reason}`);
      if (!CAPACITY.test(reason)) break;
    }
    throw new Error(`RunTask started no task (${reasons.join(' | ')})`);
  }
}

export function runTaskInput(settings: WorkerTaskSettings, job: { jobId: string; run: number; command: readonly string[] }, capacityProvider: CapacityProvider): RunTaskCommandInput {
  return {
    cluster: settings.cluster,
    taskDefinition: settings.taskDefinition,
    count: 1,
    capacityProviderStrategy: [{ capacityProvider, weight: 1 }],
    networkConfiguration: { awsvpcConfiguration: { subnets: [...settings.subnets], securityGroups: [...settings.securityGroups], assignPublicIp: 'DISABLED' } },
    overrides: { containerOverrides: [{ name: settings.containerName, command: [...job.command], environment: [{ name: 'JOB_ID', value: job.jobId }] }] },
    // ≤ 64 characters, one per run and capacity provider: a retried call starts no second task.
    clientToken: `${job.jobId.slice(0, 48)}-${job.run}-${capacityProvider === 'FARGATE' ? 'od' : 'spot'}`,
    startedBy: `job-${job.jobId}`.slice(0, 128).replace(/[^A-Za-z0-9_-]/g, '_'),
    enableECSManagedTags: true,
    propagateTags: 'TASK_DEFINITION',
    tags: [{ key: 'job-id', value: job.jobId }],
  };
}

/**
 * The ECS client the launcher calls (RunTask), traced; `endpoint` is the local stack's stand-in.
 * The platform's retries (clientConfig.ts): `clientToken` makes each attempt the same request.
 */
export function createEcsClient(options: AwsClientOptions): ECSClient {
  return instrumented(new ECSClient(awsClientConfig(options)));
}
