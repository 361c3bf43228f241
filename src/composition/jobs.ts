import { randomUUID } from 'node:crypto';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SSMClient } from '@aws-sdk/client-ssm';
import * as z from 'zod';
import { EcsJobLauncher } from '../adapters/ecs/EcsJobLauncher.ts';
import { parseJobSettings, readJobSettings, type JobSettings } from '../adapters/ecs/jobSettings.ts';
import { parseEnvironment } from '../config/config.ts';
import { JobService } from '../domain/jobs.ts';
import { tracer } from '../observability.ts';
import { jobRecords } from './jobRecords.ts';
import { settings } from './identity.ts';
import { once } from './once.ts';

export { accessTokenVerifier, idempotency } from './entityTable.ts';

const jobsConfigSchema = z
  .object({
    /** AWS: the SSM parameter with the job settings (resources/compute.yml). */
    JOB_SETTINGS_PARAMETER: z.string().startsWith('/').optional(),
    /** The local stage: the settings themselves (JSON), and the local ECS stand-in. */
    JOB_SETTINGS: z.string().min(2).optional(),
    ECS_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  })
  .refine((c) => (c.JOB_SETTINGS_PARAMETER === undefined) !== (c.JOB_SETTINGS === undefined), { error: 'set one of JOB_SETTINGS_PARAMETER (AWS) and JOB_SETTINGS (local)', path: ['JOB_SETTINGS_PARAMETER'] });

/** Composition root for jobs: validated at import; the settings are read and the clients built on first use. */
const jobsConfig = parseEnvironment(jobsConfigSchema, process.env);

const jobSettings: () => Promise<JobSettings> = once(async () => {
  if (jobsConfig.JOB_SETTINGS !== undefined) return parseJobSettings(jobsConfig.JOB_SETTINGS, 'JOB_SETTINGS');
  // A static import: esbuild keeps only GetParameter (a dynamic one would bundle the whole client, ~230 KB).
  return readJobSettings(new SSMClient({ region: settings.AWS_REGION, maxAttempts: 3 }), jobsConfig.JOB_SETTINGS_PARAMETER!);
});

const ecs = tracer.captureAWSv3Client(
  new ECSClient({
    region: settings.AWS_REGION,
    maxAttempts: 3,
    ...(jobsConfig.ECS_ENDPOINT && { endpoint: jobsConfig.ECS_ENDPOINT, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  }),
);

export const jobService: () => Promise<JobService> = once(async () => {
  const { jobsBucket } = await jobSettings();
  return new JobService({ records: jobRecords, launcher: new EcsJobLauncher({ client: ecs, settings: jobSettings }), clock: { now: () => new Date() }, ids: { newId: randomUUID }, jobsBucket });
});
