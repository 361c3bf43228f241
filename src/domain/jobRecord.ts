import * as z from 'zod/mini';

// A job's record, apart from the job rules (./jobs.ts): the job ports (./ports.ts) carry it, and the rules use those ports.

export const JOB_KINDS = ['import', 'export', 'rebuild-read-model'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
/** Narrows a name (the worker's command line) to a job kind. */
export const isJobKind = (name: string): name is JobKind => (JOB_KINDS as readonly string[]).includes(name);
export const JOB_STATES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'INTERRUPTED'] as const;
export type JobState = (typeof JOB_STATES)[number];

const countsSchema = z.record(z.string(), z.int().check(z.gte(0)));
/** A job as recorded, and as GET /api/v1/secure/jobs/{id} and POST /api/v1/secure/jobs answer it (`JobRecord`). */
export const jobSchema = z
  .strictObject({
    jobId: z.string(),
    kind: z.enum(JOB_KINDS),
    tenantId: z.string(),
    state: z.enum(JOB_STATES).register(z.globalRegistry, { description: 'QUEUED (task started, worker not yet running), RUNNING, SUCCEEDED, FAILED (see `error`), INTERRUPTED (stopped with a checkpoint, e.g. Fargate Spot reclaimed it: resume it).' }),
    params: z.strictObject({
      source: z.optional(z.string()),
      destination: z.optional(z.string()),
      rejects: z.optional(z.string()),
      format: z.optional(z.enum(['ndjson', 'csv'])),
      concurrency: z.optional(z.int()),
      segments: z.optional(z.int()),
    }),
    requestedBy: z.string().register(z.globalRegistry, { description: '`user:<sub>` (an admin), `operator:<who>` (startJob), `cli:<user>` (npm run worker).' }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    taskArn: z.optional(z.string()).register(z.globalRegistry, { description: 'The ECS task of the latest run.' }),
    capacityProvider: z.optional(z.enum(['FARGATE_SPOT', 'FARGATE'])),
    startedAt: z.optional(z.iso.datetime()).register(z.globalRegistry, { description: 'When the latest run started.' }),
    finishedAt: z.optional(z.iso.datetime()),
    counts: z.optional(countsSchema).register(z.globalRegistry, { description: 'import: imported, rejected, replayed; export: exported; rebuild: read, written, failed.' }),
    rejects: z.optional(z.string()).register(z.globalRegistry, { description: 'Where the rejected lines of an import are (one JSON line each: line, reason, errors).' }),
    lastCheckpoint: z.optional(z.strictObject({ at: z.iso.datetime(), position: z.record(z.string(), z.unknown()) })).register(z.globalRegistry, { description: 'The last checkpoint: a resumed job continues from here.' }),
    error: z.optional(z.string()),
    runs: z.optional(z.int().check(z.gte(0))).register(z.globalRegistry, { description: 'Tasks started for the job so far.' }),
  })
  .register(z.globalRegistry, { id: 'Job' });

/** A job as recorded, read and answered: the shape `jobSchema` documents. */
export type JobRecord = Readonly<z.output<typeof jobSchema>>;
/** The job's parameters as recorded (locations resolved, defaults applied). */
export type JobParams = JobRecord['params'];
