import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { presignQuery, signRequest } from '../../src/adapters/aws/sigv4.ts';
import { CREDENTIALS, expectValidSignature } from '../support/sigv4.ts';

/** Our SigV4 against @smithy/signature-v4 (the SDK's signer, the reference) and the independent verifier in tests/support. */
const credentials = { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY, sessionToken: CREDENTIALS.AWS_SESSION_TOKEN };
const date = new Date('2026-11-21T10:15:30.123Z');

// `applyChecksum: false`: no x-amz-content-sha256 header, which only S3 requires (we never send it).
const reference = (service: string) => new SignatureV4({ service, region: 'eu-west-1', credentials, sha256: Sha256, uriEscapePath: true, applyChecksum: false });

describe('signRequest', () => {
  const body = JSON.stringify({ TableName: 'entities', Key: { pk: { S: 'ENTITY#ä €' } } });
  const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem', 'content-length': String(Buffer.byteLength(body)), 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1' };

  it('signs a JSON POST exactly as the SDK signer does (the trace header left unsigned)', async () => {
    const ours = signRequest({ method: 'POST', host: 'dynamodb.eu-west-1.amazonaws.com', path: '/', headers, body }, { service: 'dynamodb', region: 'eu-west-1' }, credentials, date);
    const sdk = await reference('dynamodb').sign({ method: 'POST', protocol: 'https:', hostname: 'dynamodb.eu-west-1.amazonaws.com', path: '/', query: {}, headers: { ...headers, host: 'dynamodb.eu-west-1.amazonaws.com' }, body }, { signingDate: date });
    expect(ours).toEqual(sdk.headers);
    expect(ours.authorization).toMatch(/SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token;x-amz-target, /);
    expectValidSignature({ headers: ours, body, path: '/' }, 'dynamodb', 'eu-west-1');
  });

  it('signs a host with a port and no session token', async () => {
    const plain = { accessKeyId: 'local', secretAccessKey: 'local' };
    const ours = signRequest({ method: 'POST', host: '127.0.0.1:8000', path: '/', headers, body }, { service: 'dynamodb', region: 'eu-west-1' }, plain, date);
    const sdk = await new SignatureV4({ service: 'dynamodb', region: 'eu-west-1', credentials: plain, sha256: Sha256, applyChecksum: false }).sign({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 8000, path: '/', query: {}, headers: { ...headers, host: '127.0.0.1:8000' }, body }, { signingDate: date });
    expect(ours).toEqual(sdk.headers);
    expect(ours).not.toHaveProperty('x-amz-security-token');
  });
});

describe('presignQuery', () => {
  it('presigns a GET exactly as the SDK signer does', async () => {
    const host = 'entity-platform-dev.proxy-abc123.eu-west-1.rds.amazonaws.com:5432';
    const ours = presignQuery(host, '/', { Action: 'connect', DBUser: 'entity_platform' }, 900, { service: 'rds-db', region: 'eu-west-1' }, credentials, date);
    const sdk = await reference('rds-db').presign({ method: 'GET', protocol: 'https:', hostname: host.split(':')[0]!, port: 5432, path: '/', query: { Action: 'connect', DBUser: 'entity_platform' }, headers: { host } }, { expiresIn: 900, signingDate: date });
    expect(Object.fromEntries(new URLSearchParams(ours))).toEqual(sdk.query);
    expect(Object.keys(Object.fromEntries(new URLSearchParams(ours)))).toEqual(Object.keys(sdk.query!).sort());
  });
});
