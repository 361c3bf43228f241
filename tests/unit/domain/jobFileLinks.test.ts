import { describe, expect, it } from 'vitest';
import { JobFileLinks, jobFilePathSchema, jobUploadRequestSchema } from '../../../src/domain/jobFileLinks.ts';
import type { JobRecord } from '../../../src/domain/jobRecord.ts';
import type { ObjectUrls } from '../../../src/domain/ports.ts';

const BUCKET = 'entity-platform-dev-jobs';
const signed: string[] = [];
const urls: ObjectUrls = {
  uploadUrl: (location, options) => {
    signed.push(`PUT ${location.key} ${options.contentType}`);
    return Promise.resolve({ url: `https://s3/${location.key}?sig`, headers: { 'Content-Type': options.contentType } });
  },
  downloadUrl: (location, options) => {
    signed.push(`GET ${location.key} ${options.fileName}`);
    return Promise.resolve(`https://s3/${location.key}?sig`);
  },
};
const job = (changes: Partial<JobRecord>): JobRecord => ({
  jobId: 'j1', kind: 'import', tenantId: 'acme', state: 'SUCCEEDED', params: {}, requestedBy: 'user:a', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', ...changes,
});
const files = (record: JobRecord | undefined) =>
  new JobFileLinks({ urls, records: { get: () => Promise.resolve(record) }, clock: { now: () => new Date('2026-01-01T00:00:00.000Z') }, ids: { newId: () => 'u1' }, jobsBucket: BUCKET });
const admin = { id: 'user:a', tenantId: 'acme' };

describe('job files for the console', () => {
  it("hands out a PUT under the tenant's imports/ and the source to import it from", async () => {
    const upload = await files(undefined).upload(admin, jobUploadRequestSchema.parse({ fileName: 'catalogue.csv' }));
    expect(upload).toEqual({ source: `s3://${BUCKET}/imports/acme/u1/catalogue.csv`, upload: { url: 'https://s3/imports/acme/u1/catalogue.csv?sig', method: 'PUT', headers: { 'Content-Type': 'text/csv' }, expiresAt: '2026-01-01T00:15:00.000Z' } });
    for (const fileName of ['../etc/passwd', 'a/b.csv', '', ' x.csv', 'x'.repeat(201)]) expect(jobUploadRequestSchema.safeParse({ fileName }).success, fileName).toBe(false);
    expect(jobFilePathSchema.safeParse({ id: 'j1', file: 'secrets' }).success).toBe(false);
  });

  it("links a finished import's rejects and a succeeded export, and nothing else", async () => {
    const rejects = `s3://${BUCKET}/rejects/acme/j1.ndjson`;
    await expect(files(job({ rejects })).link(admin, 'j1', 'rejects')).resolves.toEqual({ url: 'https://s3/rejects/acme/j1.ndjson?sig', expiresAt: '2026-01-01T00:15:00.000Z' });
    expect(signed).toContain('GET rejects/acme/j1.ndjson j1-rejects.ndjson');
    await expect(files(job({ rejects, state: 'RUNNING' })).link(admin, 'j1', 'rejects')).rejects.toThrow('only a finished import');
    await expect(files(job({ kind: 'export', state: 'RUNNING', params: { destination: `s3://${BUCKET}/exports/acme/j1.ndjson` } })).link(admin, 'j1', 'export')).rejects.toThrow('only a SUCCEEDED export');
    await expect(files(job({ kind: 'export', params: { destination: `s3://${BUCKET}/exports/acme/j1.ndjson` } })).link(admin, 'j1', 'export')).resolves.toMatchObject({ url: 'https://s3/exports/acme/j1.ndjson?sig' });
    // Another tenant's job is not found.
    await expect(files(job({ rejects, tenantId: 'other' })).link(admin, 'j1', 'rejects')).rejects.toThrow('not your tenant');
  });
});
