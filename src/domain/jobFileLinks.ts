import * as z from 'zod/mini';
import './zodLocale.ts';
import { NotFoundError } from './errors.ts';
import type { JobRecord } from './jobRecord.ts';
import { JOB_ID_PATTERN, JOB_PREFIXES, parseS3Uri, readJob, type Requester } from './jobRequest.ts';
import type { Clock, IdGenerator, JobRecords, ObjectUrls } from './ports.ts';

/**
 * A job's files for a browser (the console): an import's file is uploaded straight to the jobs
 * bucket through a pre-signed PUT the API hands out, under the admin's tenant; an export and an
 * import's rejected lines are downloaded through pre-signed GETs. The browser never holds AWS
 * credentials, and every URL is for one object of the caller's tenant, for a few minutes.
 */

/** How long a handed-out URL works. */
export const JOB_FILE_URL_SECONDS = 900;

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,199}$/;

export const jobUploadRequestSchema = z
  .strictObject({
    fileName: z
      .string({ error: 'must be a file name' })
      .check(z.regex(FILE_NAME, { error: 'must be 1–200 letters, digits, spaces, ".", "_", "-", "(" or ")", starting with a letter or digit' }))
      .register(z.globalRegistry, { description: 'The file\'s name (kept in the object key); `.csv` imports as CSV, anything else as NDJSON.', examples: ['catalogue.ndjson'] }),
  })
  .register(z.globalRegistry, { id: 'JobUploadRequest', description: 'A file to upload for an import.' });
export type JobUploadRequest = z.output<typeof jobUploadRequestSchema>;

export const jobUploadSchema = z
  .strictObject({
    source: z.string().register(z.globalRegistry, { description: 'The uploaded file as an import job names it: `{"kind":"import","source":…}`.' }),
    upload: z.strictObject({
      url: z.string().register(z.globalRegistry, { description: 'PUT the file here.' }),
      method: z.literal('PUT'),
      headers: z.record(z.string(), z.string()).register(z.globalRegistry, { description: 'Send these headers exactly (some are signed).' }),
      expiresAt: z.iso.datetime(),
    }),
  })
  .register(z.globalRegistry, { id: 'JobUpload', description: 'Where to upload an import file, and how the import job names it.' });
export type JobUpload = z.output<typeof jobUploadSchema>;

export const JOB_FILES = ['export', 'rejects'] as const;
export type JobFile = (typeof JOB_FILES)[number];

export const jobFilePathSchema = z.object({
  id: z.string().check(z.regex(JOB_ID_PATTERN, { error: 'must be a job id: 1–128 letters, digits, ".", "_" or "-"' })).register(z.globalRegistry, { description: 'The job id.' }),
  file: z.enum(JOB_FILES, { error: 'must be "export" (an export\'s NDJSON) or "rejects" (an import\'s rejected lines)' }).register(z.globalRegistry, { description: '`export` or `rejects`.' }),
});

export const jobFileLinkSchema = z
  .strictObject({
    url: z.string().register(z.globalRegistry, { description: 'GET the file here (NDJSON).' }),
    expiresAt: z.iso.datetime(),
  })
  .register(z.globalRegistry, { id: 'JobFileLink', description: 'A download link for a job\'s file.' });
export type JobFileLink = z.output<typeof jobFileLinkSchema>;

const contentTypeOf = (fileName: string) => (fileName.toLowerCase().endsWith('.csv') ? 'text/csv' : 'application/x-ndjson');
const FINISHED: readonly JobRecord['state'][] = ['SUCCEEDED', 'FAILED', 'INTERRUPTED'];

export class JobFileLinks {
  private readonly deps: { urls: ObjectUrls; records: Pick<JobRecords, 'get'>; clock: Clock; ids: IdGenerator; jobsBucket: string };

  constructor(deps: JobFileLinks['deps']) {
    this.deps = deps;
  }

  /** A place under `imports/<tenant>/` for the file and a PUT URL for it. */
  async upload(requester: Requester, request: JobUploadRequest): Promise<JobUpload> {
    const key = `${JOB_PREFIXES.imports}/${requester.tenantId}/${this.deps.ids.newId()}/${request.fileName}`;
    const { url, headers } = await this.deps.urls.uploadUrl({ bucket: this.deps.jobsBucket, key }, { contentType: contentTypeOf(request.fileName), expiresInSeconds: JOB_FILE_URL_SECONDS });
    return { source: `s3://${this.deps.jobsBucket}/${key}`, upload: { url, method: 'PUT', headers, expiresAt: this.expiry() } };
  }

  /** A GET URL for a finished export's file or an import's rejected lines, for an admin of the job's tenant. */
  async link(requester: Requester, jobId: string, file: JobFile): Promise<JobFileLink> {
    const job = await readJob(this.deps.records, requester, jobId);
    const uri = file === 'export' ? (job.kind === 'export' && job.state === 'SUCCEEDED' ? job.params.destination : undefined) : job.kind === 'import' && FINISHED.includes(job.state) ? job.rejects : undefined;
    const location = uri === undefined ? undefined : parseS3Uri(uri);
    if (!location) {
      throw new NotFoundError(
        file === 'export' ? `Job ${jobId} has no export to download: only a SUCCEEDED export job has one (it is ${job.kind}, ${job.state}).` : `Job ${jobId} has no rejected lines to show: only a finished import has them (it is ${job.kind}, ${job.state}).`,
      );
    }
    const url = await this.deps.urls.downloadUrl(location, { fileName: `${jobId}-${file}.ndjson`, expiresInSeconds: JOB_FILE_URL_SECONDS });
    return { url, expiresAt: this.expiry() };
  }

  private expiry(): string {
    return new Date(this.deps.clock.now().getTime() + JOB_FILE_URL_SECONDS * 1000).toISOString();
  }
}
