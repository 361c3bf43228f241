import { describe, expect, it } from 'vitest';
import { S3ObjectUrls } from '../../../../src/adapters/s3/S3ObjectUrls.ts';
import { CREDENTIALS, expectValidPresignedUrl } from '../../../support/presignedUrl.ts';

const credentials = () => Promise.resolve(CREDENTIALS);
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('pre-signed job file URLs (the SDK presigner, checked against SigV4 written out independently)', () => {
  it('signs an upload in AWS: virtual-hosted, 15 minutes, the session token, the encryption headers signed', async () => {
    const urls = new S3ObjectUrls({ region: 'eu-west-1', credentials, kmsKeyArn: KEY });
    const { url, headers } = await urls.uploadUrl({ bucket: 'entity-platform-dev-jobs-1a2b', key: 'imports/acme/u1/my catalogue (1).csv' }, { contentType: 'text/csv', expiresInSeconds: 900 });
    const parsed = new URL(url);
    expect(parsed.host).toBe('entity-platform-dev-jobs-1a2b.s3.eu-west-1.amazonaws.com');
    expect(parsed.pathname).toBe('/imports/acme/u1/my%20catalogue%20%281%29.csv');
    expect(parsed.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(parsed.searchParams.get('X-Amz-Security-Token')).toBe(CREDENTIALS.sessionToken);
    expect(headers).toEqual({ 'Content-Type': 'text/csv', 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': KEY, 'x-amz-server-side-encryption-bucket-key-enabled': 'true' });
    const signed = expectValidPresignedUrl(url, 'PUT', headers, 'eu-west-1');
    expect(signed).toEqual(expect.arrayContaining(['host', 'x-amz-server-side-encryption', 'x-amz-server-side-encryption-aws-kms-key-id']));
    expect(signed).not.toContain('content-type');
    // Another object, another method or other headers do not match the signature.
    expect(() => expectValidPresignedUrl(url.replace('catalogue', 'other'), 'PUT', headers, 'eu-west-1')).toThrow();
    expect(() => expectValidPresignedUrl(url, 'GET', headers, 'eu-west-1')).toThrow();
    expect(() => expectValidPresignedUrl(url, 'PUT', { ...headers, 'x-amz-server-side-encryption-aws-kms-key-id': 'another key' }, 'eu-west-1')).toThrow();
  });

  it('signs a download with its file name, path-style on a local S3', async () => {
    const urls = new S3ObjectUrls({ region: 'eu-west-1', credentials, endpoint: 'http://127.0.0.1:4569' });
    const url = await urls.downloadUrl({ bucket: 'entity-platform-local-jobs', key: 'rejects/acme/j1.ndjson' }, { fileName: 'j1-rejects.ndjson', expiresInSeconds: 900 });
    const parsed = new URL(url);
    expect(`${parsed.origin}${parsed.pathname}`).toBe('http://127.0.0.1:4569/entity-platform-local-jobs/rejects/acme/j1.ndjson');
    expect(parsed.searchParams.get('response-content-disposition')).toBe('attachment; filename="j1-rejects.ndjson"');
    expect(expectValidPresignedUrl(url, 'GET', {}, 'eu-west-1')).toEqual(['host']);
  });
});
