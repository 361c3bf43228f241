import * as z from 'zod/mini';
import { DEFAULT_MAX_ACTIVE_JOBS_PER_TENANT } from '../domain/jobService.ts';
import { parseEnvironment } from './config.ts';

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
export type JobsConfig = z.output<typeof jobsConfigSchema>;

/** The job functions' settings from the environment, validated. */
export function readJobsConfig(): JobsConfig {
  return parseEnvironment(jobsConfigSchema, process.env);
}
