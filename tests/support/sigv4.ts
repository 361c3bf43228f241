import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { expect } from 'vitest';

/** A request as an AWS stand-in received it. */
export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly path: string;
}

/** Environment credentials for tests of signed requests (AWS's documentation example keys). */
export const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', AWS_SESSION_TOKEN: 'session-token-example' };

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** SigV4 recomputed from the request as received (AWS's documented algorithm, written out here). */
export function expectValidSignature(request: Received, service: string, region: string): void {
  const authorization = String(request.headers.authorization);
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(authorization);
  expect(match, authorization).not.toBeNull();
  const [, accessKey, day, signedRegion, signedService, signedHeaders, signature] = match!;
  expect([accessKey, signedRegion, signedService]).toEqual([CREDENTIALS.AWS_ACCESS_KEY_ID, region, service]);
  const names = signedHeaders!.split(';');
  for (const required of ['host', 'x-amz-date', 'x-amz-target', 'x-amz-security-token', 'content-type']) expect(names).toContain(required);
  const canonical = ['POST', request.path, '', ...names.map((n) => `${n}:${String(request.headers[n]).trim()}`), '', signedHeaders, sha256(request.body)].join('\n');
  const amzDate = String(request.headers['x-amz-date']);
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${CREDENTIALS.AWS_SECRET_ACCESS_KEY}`, day!), region), service), 'aws4_request');
  expect(hmac(key, stringToSign).toString('hex')).toBe(signature);
}

