import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { recordAwsCall } from '../../observability/awsCallLog.ts';
import type { ObjectUrls, S3Location } from '../../domain/ports.ts';

export interface S3ObjectUrlsOptions {
  readonly region: string;
  /** The function role's (the environment's, `fromEnv`), or the local S3's placeholder. */
  readonly credentials: AwsCredentialIdentityProvider;
  /** A local S3 (s3rver): path-style URLs on this endpoint. Unset in AWS. */
  readonly endpoint?: string | undefined;
  /** Uploads are encrypted with this key (`aws:kms`, bucket key): the jobs bucket refuses any other. Unset locally. */
  readonly kmsKeyArn?: string | undefined;
}

/**
 * SHA-256 for the SDK's signer from node:crypto, as the SDK's own Node hash does it: with a secret
 * it is HMAC-SHA256 (the signer derives its signing key with it).
 */
class Sha256 {
  private readonly secret: string | Uint8Array | undefined;
  private hash: Hash | Hmac;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret = secret === undefined || typeof secret === 'string' ? secret : ArrayBuffer.isView(secret) ? new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength) : new Uint8Array(secret);
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/** RFC 3986 percent-encoding, as SigV4 canonicalises paths and query strings. */
const escape = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Pre-signed S3 URLs (SigV4 query-string authentication) made by the AWS SDK's S3 presigner
 * (`S3RequestPresigner` of `@aws-sdk/s3-request-presigner`) with the function's role: the browser
 * that holds one can make exactly that request on that object until it expires, and no more than
 * the role may. The presigner is used without the S3 client (which would bring its whole
 * middleware stack into the two bundles that sign URLs): the request it signs
 * is the one the client would send, virtual-hosted in AWS and path-style on a local S3; a unit test
 * checks the URLs against SigV4 written out independently.
 */
export class S3ObjectUrls implements ObjectUrls {
  private readonly presigner: S3RequestPresigner;
  private readonly options: S3ObjectUrlsOptions;

  constructor(options: S3ObjectUrlsOptions) {
    this.options = options;
    this.presigner = new S3RequestPresigner({
      region: options.region,
      credentials: options.credentials,
      sha256: Sha256,
    });
  }

  async uploadUrl(location: S3Location, options: { contentType: string; expiresInSeconds: number }): Promise<{ url: string; headers: Record<string, string> }> {
    const { kmsKeyArn } = this.options;
    // The encryption headers are signed (the presigner keeps them out of the query): the upload must send them as they are.
    const signed: Record<string, string> = kmsKeyArn
      ? { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': kmsKeyArn, 'x-amz-server-side-encryption-bucket-key-enabled': 'true' }
      : {};
    const url = await this.presign('PUT', location, {}, signed, options.expiresInSeconds);
    return { url, headers: { 'Content-Type': options.contentType, ...signed } };
  }

  async downloadUrl(location: S3Location, options: { fileName: string; expiresInSeconds: number }): Promise<string> {
    const query = { 'response-content-disposition': `attachment; filename="${options.fileName}"`, 'response-content-type': 'application/x-ndjson' };
    return this.presign('GET', location, query, {}, options.expiresInSeconds);
  }

  private async presign(method: 'GET' | 'PUT', { bucket, key }: S3Location, query: Record<string, string>, headers: Record<string, string>, expiresIn: number): Promise<string> {
    // The request the URL's holder will make, with this function's permissions.
    recordAwsCall('S3', method === 'PUT' ? 'PutObject' : 'GetObject', { Bucket: bucket, Key: key, ...(headers['x-amz-server-side-encryption-aws-kms-key-id'] && { SSEKMSKeyId: headers['x-amz-server-side-encryption-aws-kms-key-id'] }) });
    const local = this.options.endpoint ? new URL(this.options.endpoint) : undefined;
    const objectPath = key.split('/').map(escape).join('/');
    const hostname = local ? local.hostname : `${bucket}.s3.${this.options.region}.amazonaws.com`;
    const port = local?.port ? Number(local.port) : undefined;
    const request = {
      method,
      protocol: local ? local.protocol : 'https:',
      hostname,
      ...(port !== undefined && { port }),
      path: local ? `/${escape(bucket)}/${objectPath}` : `/${objectPath}`,
      query,
      headers: { host: local ? local.host : hostname, ...headers },
    };
    const signed = await this.presigner.presign(request, { expiresIn });
    const search = Object.entries(signed.query ?? {})
      .map(([name, value]) => `${escape(name)}=${escape(String(value))}`)
      .join('&');
    return `${signed.protocol}//${signed.hostname}${signed.port ? `:${signed.port}` : ''}${signed.path}?${search}`;
  }
}
