import { parseJobSettings, type JobSettings } from '../../src/adapters/ecs/jobSettings.ts';
import { startLocalEcs, type LocalEcs, type LocalTask } from './localEcs.ts';
import type { Template } from './localStack.ts';
import { startLocalS3Server, type LocalS3Server } from './localS3.ts';
import { SERVICE, type Stoppable } from './localStack.ts';

/** The job settings the packaged stage's job functions run with (their `JOB_SETTINGS`: serverless.yml, custom.jobEnvironment.local). */
export function localJobSettings(template: Template): JobSettings {
  for (const [name, resource] of Object.entries(template.Resources)) {
    const variables = (resource.Properties['Environment'] as { Variables?: Record<string, unknown> } | undefined)?.Variables;
    if (typeof variables?.['JOB_SETTINGS'] === 'string') return parseJobSettings(variables['JOB_SETTINGS'], `${name}'s JOB_SETTINGS`);
  }
  throw new Error('No function of the packaged template has JOB_SETTINGS: is this the local stage?');
}

export interface LocalJobs extends Stoppable {
  readonly s3: LocalS3Server;
  readonly ecs: LocalEcs;
  readonly jobsBucket: string;
}

/**
 * What jobs need locally, for `npm start` and the tests alike: a local S3 (s3rver, objects under
 * `s3Directory`) holding the jobs bucket the local stage's functions name, and the ECS stand-in
 * on `ecsPort` (the functions' ECS_ENDPOINT) running every task's worker against the local
 * stack's table, S3 and PostgreSQL, as the task definition runs it in AWS. `stop` stops the
 * running tasks first (SIGTERM: they write a checkpoint while the stores are still up).
 */
export async function startLocalJobs(options: {
  template: Template;
  s3Port: number;
  s3Directory: string;
  /** The console's origin: the jobs bucket lets it upload and download (CORS). */
  corsOrigins?: readonly string[];
  ecsPort: number;
  dynamoEndpoint: string;
  tableName: string;
  databaseUrl: string;
  /** Record every AWS call the worker makes to this file, as the ECS task `worker` (src/observability/awsCallLog.ts). */
  awsCallLog?: string;
  log?: (message: string) => void;
  output?: (task: LocalTask, line: string) => void;
}): Promise<LocalJobs> {
  const { jobsBucket } = localJobSettings(options.template);
  const s3 = await startLocalS3Server({ port: options.s3Port, directory: options.s3Directory, buckets: [jobsBucket], ...(options.corsOrigins && { corsOrigins: options.corsOrigins }) });
  try {
    const environment = {
      STAGE: 'local',
      AWS_REGION: 'eu-west-1',
      ENTITIES_TABLE: options.tableName,
      DYNAMODB_ENDPOINT: options.dynamoEndpoint,
      S3_ENDPOINT: s3.endpoint,
      DATABASE_URL: options.databaseUrl,
      POWERTOOLS_SERVICE_NAME: `${SERVICE}-worker`,
      ...(options.awsCallLog && { AWS_CALL_LOG: options.awsCallLog, AWS_CALL_LOG_CALLER: 'worker' }),
    };
    const ecs = await startLocalEcs({ port: options.ecsPort, worker: { environment, ...(options.output && { output: options.output }) }, ...(options.log && { log: options.log }) });
    let stopped: Promise<void> | undefined;
    return {
      s3,
      ecs,
      jobsBucket,
      stop: () =>
        (stopped ??= (async () => {
          await ecs.stop();
          await s3.stop();
        })()),
    };
  } catch (error) {
    await s3.stop();
    throw error;
  }
}
