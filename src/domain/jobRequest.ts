import * as z from 'zod/mini';
import './zodLocale.ts';
import { ForbiddenError, NotFoundError } from './errors.ts';
import type { JobKind, JobRecord } from './jobRecord.ts';
import type { JobRecords, S3Location } from './ports.ts';
import { isAdmin, requireScope, SCOPES, TENANT_ID_PATTERN, type Principal } from './principal.ts';

/**
 * What may be asked of a job, and by whom: job ids, where its files go in the jobs bucket, the
 * API's and the operator's requests, and the admin rule (see ./jobService.ts for what is done with them).
 */

/** A rebuild of every tenant's read model (operators only). */
export const ALL_TENANTS = '*';
export const JOB_ID_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
/** Where each kind's files go in the jobs bucket: `<prefix>/<tenant>/…` (the bucket's lifecycle rules expire exports and rejects). */
export const JOB_PREFIXES = { imports: 'imports', exports: 'exports', rejects: 'rejects' } as const;
/** Where an import from S3 puts its rejected lines when it names no place (the API and the worker's command line agree). */
export const defaultRejectsUri = (bucket: string, tenantId: string, jobId: string): string => `s3://${bucket}/${JOB_PREFIXES.rejects}/${tenantId}/${jobId}.ndjson`;
/** Where an export goes when it names no place. */
export const defaultExportUri = (bucket: string, tenantId: string, jobId: string): string => `s3://${bucket}/${JOB_PREFIXES.exports}/${tenantId}/${jobId}.ndjson`;

const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/;
/** `s3://bucket/key` → its parts; anything else (a local path) → `undefined`. */
export function parseS3Uri(location: string): S3Location | undefined {
  const match = S3_URI.exec(location);
  return match ? { bucket: match[1]!, key: match[2]! } : undefined;
}

const CONTROL_CHARS = /\p{Cc}/u;
/** An S3 object URI in the jobs bucket, described for where it is used (zod/mini: `register` names this very schema, so one per use). */
const s3Uri = (description?: string) =>
  z
    .string({ error: 'must be an s3:// URI' })
    .check(
      z.maxLength(1100),
      z.refine((s) => parseS3Uri(s) !== undefined && !CONTROL_CHARS.test(s) && !s.includes('/../') && !s.endsWith('/'), { error: 'must be an S3 object URI, s3://<bucket>/<key>' }),
    )
    .register(z.globalRegistry, { examples: ['s3://entity-platform-dev-jobs-1a2b3c/imports/acme/catalogue.ndjson'], ...(description !== undefined && { description }) });
const boundedInt = (min: number, max: number) => z.int().check(z.gte(min), z.lte(max));

const common = {
  spot: z._default(z.boolean(), true).register(z.globalRegistry, { description: 'Run on Fargate Spot (falling back to on-demand Fargate when Spot has no capacity); false: on-demand only.' }),
};
const importJob = z.strictObject({
  kind: z.literal('import'),
  source: s3Uri(`The NDJSON or CSV file: in the jobs bucket, under \`${JOB_PREFIXES.imports}/<your tenant>/\`.`),
  format: z.optional(z.enum(['ndjson', 'csv'])).register(z.globalRegistry, { description: 'Default: by the extension (`.csv` is CSV, anything else NDJSON).' }),
  rejects: z.optional(s3Uri()).register(z.globalRegistry, { description: `Where the rejected lines go: in the jobs bucket, under \`${JOB_PREFIXES.rejects}/<your tenant>/\`. Default: \`${JOB_PREFIXES.rejects}/<your tenant>/<job id>.ndjson\`.` }),
  concurrency: z.optional(boundedInt(1, 64)).register(z.globalRegistry, { description: 'Batches of up to 50 records written at the same time, each one DynamoDB transaction (default 4; 1 on the local stack, whose DynamoDB Local applies one write at a time).' }),
  ...common,
});
const exportJob = z.strictObject({
  kind: z.literal('export'),
  destination: z.optional(s3Uri(`Where the NDJSON goes: in the jobs bucket, under \`${JOB_PREFIXES.exports}/<your tenant>/\`. Default: \`${JOB_PREFIXES.exports}/<your tenant>/<job id>.ndjson\`.`)),
  ...common,
});
const rebuildJob = z.strictObject({
  kind: z.literal('rebuild-read-model'),
  segments: z.optional(boundedInt(1, 64)).register(z.globalRegistry, { description: 'Parallel scan segments (all-tenant rebuilds only; default 4).' }),
  ...common,
});

/** What an admin asks for (POST /api/v1/secure/jobs): always for the admin's own tenant. */
export const jobRequestSchema = z
  .discriminatedUnion('kind', [importJob, exportJob, rebuildJob], { error: 'kind must be "import", "export" or "rebuild-read-model"' })
  .register(z.globalRegistry, { id: 'JobRequest', description: 'A job to run on the worker for your tenant.' });
export type JobRequest = z.output<typeof jobRequestSchema>;

/** What an operator asks for (`sls invoke -f startJob`): a tenant, or every tenant for a rebuild; or an earlier job to resume. */
const operator = {
  tenantId: z.union([z.string().check(z.regex(TENANT_ID_PATTERN, { error: 'tenantId must be 1–64 letters, digits, "_" or "-", or "*" (every tenant, rebuild only)' })), z.literal(ALL_TENANTS)]),
  requestedBy: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
};
export const operatorJobRequestSchema = z.union([
  z.strictObject({ resume: z.string().check(z.regex(JOB_ID_PATTERN, { error: 'resume must be a job id' })), spot: z.optional(z.boolean()), requestedBy: operator.requestedBy }),
  z.discriminatedUnion('kind', [z.extend(importJob, operator), z.extend(exportJob, operator), z.extend(rebuildJob, operator)], { error: 'kind must be "import", "export" or "rebuild-read-model"' }),
]);

export const jobPathSchema = z.object({
  id: z.string().check(z.regex(JOB_ID_PATTERN, { error: 'must be a job id: 1–128 letters, digits, ".", "_" or "-"' })).register(z.globalRegistry, { description: 'The job id.', examples: ['6f1d4c3e-2b7a-4e55-9c0d-7a1b2c3d4e5f'] }),
});

export interface Requester {
  /** Who asked, as recorded. */
  readonly id: string;
  readonly tenantId: string;
}

/**
 * The scope each kind of job needs on top of the `admin` group: an export reads the tenant's
 * entities, an import and a rebuild write (entities, or the read model).
 */
export const JOB_SCOPES: Readonly<Record<JobKind, string>> = { 'export': SCOPES.read, 'import': SCOPES.write, 'rebuild-read-model': SCOPES.write };

/**
 * An admin of a tenant (the `admin` group) may start and read that tenant's jobs, never another's,
 * and only with the scope the job needs (`JOB_SCOPES`; reading a job's status needs
 * `entities/read`; without `scope`, the group alone is checked): a token issued for other purposes (`openid email`, the Cognito user-admin
 * scope) does nothing here that it may not do on the entity routes.
 */
export function adminRequester(principal: Principal | undefined, scope?: string): Requester {
  if (!principal || !isAdmin(principal)) throw new ForbiddenError('Jobs are for administrators: the access token must be in the "admin" group.');
  if (scope !== undefined) requireScope(principal, scope);
  return { id: `user:${principal.subject}`, tenantId: principal.tenantId };
}

/** The job, for an admin of its tenant; another tenant's job is not found (never 403). */
export async function readJob(records: Pick<JobRecords, 'get'>, requester: Requester, jobId: string): Promise<JobRecord> {
  const record = await records.get(jobId);
  if (!record || record.tenantId !== requester.tenantId) throw new NotFoundError(`No job ${jobId} exists, or it is not your tenant's.`);
  return record;
}
