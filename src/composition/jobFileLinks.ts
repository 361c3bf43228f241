import { randomUUID } from 'node:crypto';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { S3ObjectUrls } from '../adapters/s3/S3ObjectUrls.ts';
import { JobFileLinks } from '../domain/jobFileLinks.ts';
import { jobRecords } from './jobRecords.ts';
import { jobsConfig, loadJobSettings } from './jobSettings.ts';
import { once } from './once.ts';
import { settings } from './settings.ts';

/** A local S3 (s3rver) accepts its own placeholder credentials only. */
const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Upload and download URLs for the console's jobs: signed with the function's role (its credentials in the environment), or for the local S3. */
export const loadJobFileLinks: () => Promise<JobFileLinks> = once(async () => {
  const { jobsBucket, kmsKeyArn } = await loadJobSettings();
  const local = jobsConfig.S3_ENDPOINT;
  const urls = new S3ObjectUrls({ region: settings.AWS_REGION, credentials: local ? () => Promise.resolve(LOCAL_S3_CREDENTIALS) : fromEnv(), endpoint: local, kmsKeyArn });
  return new JobFileLinks({ urls, records: jobRecords, clock: { now: () => new Date() }, ids: { newId: randomUUID }, jobsBucket });
});
