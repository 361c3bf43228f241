import * as z from 'zod/mini';
import { parseJobSettings, readJobSettings, type JobSettings } from '../adapters/ecs/jobSettings.ts';
import { parseEnvironment } from '../config/config.ts';
import { DEFAULT_MAX_ACTIVE_JOBS_PER_TENANT } from '../domain/jobService.ts';
import { settings } from './settings.ts';
import { once } from './once.ts';

/** How jobs run and where their files are: the stage's settings, read once per container (startJob, createJob, the job file routes). */
const jobsConfigSchema = z
  .object({
    /** AWS: the SSM parameter with the job settings (resources/compute.yml). */
    JOB_SETTINGS_PARAMETER: z.optional(z.string().check(z.startsWith('/'))),
    /** The local stage: the settings themselves (JSON), and the local ECS stand-in. */
    JOB_SETTINGS: z.optional(z.string().check(z.minLength(2))),
    ECS_ENDPOINT: z.optional(z.url({ protocol: /^https?$/ })),
    /** The local stage: the local S3 (s3rver) that holds the jobs bucket. */
    S3_ENDPOINT: z.optional(z.url({ protocol: /^https?$/ })),
    /** Jobs QUEUED or RUNNING at once per tenant (stage param `jobsMaxActivePerTenant`). */
    JOBS_MAX_ACTIVE_PER_TENANT: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), DEFAULT_MAX_ACTIVE_JOBS_PER_TENANT),
  })
  .check(z.refine((c) => (c.JOB_SETTINGS_PARAMETER === undefined) !== (c.JOB_SETTINGS === undefined), { error: 'set one of JOB_SETTINGS_PARAMETER (AWS) and JOB_SETTINGS (local)', path: ['JOB_SETTINGS_PARAMETER'] }));

/** Composition root for jobs: validated at import; the settings are read and the clients built on first use. */
export const jobsConfig = parseEnvironment(jobsConfigSchema, process.env);

export const loadJobSettings: () => Promise<JobSettings> = once(async () => {
  if (jobsConfig.JOB_SETTINGS !== undefined) return parseJobSettings(jobsConfig.JOB_SETTINGS, 'JOB_SETTINGS');
  return readJobSettings(jobsConfig.JOB_SETTINGS_PARAMETER!, settings.AWS_REGION);
});

