import { createHash, createHmac } from 'node:crypto';
import { expect } from 'vitest';

/** Credentials for tests of signed URLs (AWS's documentation example keys). */
export const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token-example' };

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

const rfc3986 = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * A pre-signed S3 URL (SigV4 query-string authentication) recomputed from the URL and the headers
 * the request will carry, as S3 does (AWS's documented algorithm, written out here: the local S3
 * does not check SigV4). Answers the signed header names.
 */
export function expectValidPresignedUrl(url: string, method: string, headers: Record<string, string>, region: string): string[] {
  const parsed = new URL(url);
  const params = [...parsed.searchParams.entries()];
  const get = (name: string) => parsed.searchParams.get(name) ?? '';
  expect(get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
  const [accessKey, day, signedRegion, service] = get('X-Amz-Credential').split('/');
  expect([accessKey, signedRegion, service]).toEqual([CREDENTIALS.accessKeyId, region, 's3']);
  const signedHeaders = get('X-Amz-SignedHeaders');
  const names = signedHeaders.split(';');
  const all: Record<string, string> = { host: parsed.host, ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) };
  const query = params
    .filter(([name]) => name !== 'X-Amz-Signature')
    .map(([name, value]) => `${rfc3986(name)}=${rfc3986(value)}`)
    .sort()
    .join('&');
  const canonical = [method, parsed.pathname, query, ...names.map((n) => `${n}:${(all[n] ?? '').trim()}`), '', signedHeaders, 'UNSIGNED-PAYLOAD'].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', get('X-Amz-Date'), scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${CREDENTIALS.secretAccessKey}`, day!), region), 's3'), 'aws4_request');
  expect(hmac(key, stringToSign).toString('hex'), canonical).toBe(get('X-Amz-Signature'));
  return names;
}
