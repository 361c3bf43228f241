import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { defaultProvider } from './environmentCredentials.ts';

/**
 * One signed call to an AWS JSON-protocol API (`X-Amz-Target`, `application/x-amz-json-1.1`):
 * Secrets Manager's GetSecretValue and SSM's GetParameter, read once per container. A full SDK
 * client for each of those two calls costs ~260 KB of bundle and its module initialisation at
 * every cold start (README, "Performance"); this is the request the SDK would make, signed with
 * SigV4 (the signer the DynamoDB client already bundles), over `node:https`, with the SDK's
 * retry rules for throttling, 5xx and network errors (3 attempts, full-jitter backoff).
 */
export interface AwsJsonCall {
  /** Signing name and endpoint prefix, e.g. `secretsmanager`, `ssm`. */
  readonly service: string;
  /** The `X-Amz-Target` header, e.g. `secretsmanager.GetSecretValue`, `AmazonSSM.GetParameter`. */
  readonly target: string;
  readonly region: string;
  readonly body: Record<string, unknown>;
  /** `https://<service>.<region>.amazonaws.com` unless given (tests; `AWS_ENDPOINT_URL_<SERVICE>`, as the SDK reads it). */
  readonly endpoint?: string;
  readonly timeoutMs?: number;
  readonly maxAttempts?: number;
}

/** An error answer of the service: its `__type` (e.g. `ResourceNotFoundException`) and message. */
export class AwsServiceError extends Error {
  readonly code: string;
  readonly statusCode: number;
  constructor(code: string, message: string, statusCode: number) {
    super(message);
    this.name = 'AwsServiceError';
    this.code = code;
    this.statusCode = statusCode;
  }
}

const RETRYABLE_CODES = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'ProvisionedThroughputExceededException', 'ThrottledException', 'InternalServiceError', 'InternalFailure', 'ServiceUnavailable']);

export async function awsJsonCall<T>(call: AwsJsonCall): Promise<T> {
  const maxAttempts = call.maxAttempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return (await attemptOnce(call)) as T;
    } catch (error) {
      if (attempt >= maxAttempts || !retryable(error)) throw error;
      // Full jitter over an exponential base of 100 ms, capped at 2 s (the SDK's standard mode).
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2000, 100 * 2 ** attempt)));
    }
  }
}

function retryable(error: unknown): boolean {
  if (error instanceof AwsServiceError) return error.statusCode >= 500 || error.statusCode === 429 || RETRYABLE_CODES.has(error.code);
  return true; // network errors and timeouts
}

/** The endpoint the SDK would use: `AWS_ENDPOINT_URL_<SERVICE_ID>` (e.g. `AWS_ENDPOINT_URL_SECRETS_MANAGER`), else the regional one. */
export function endpointFor(service: string, region: string, env: Record<string, string | undefined> = process.env): string {
  const serviceId = service === 'secretsmanager' ? 'SECRETS_MANAGER' : service.toUpperCase();
  return env[`AWS_ENDPOINT_URL_${serviceId}`] ?? env.AWS_ENDPOINT_URL ?? `https://${service}.${region}.amazonaws.com`;
}

const signers = new Map<string, SignatureV4>();
function signerFor(service: string, region: string): SignatureV4 {
  const key = `${service}/${region}`;
  let signer = signers.get(key);
  if (!signer) {
    signer = new SignatureV4({ service, region, credentials: defaultProvider(), sha256: NodeSha256, uriEscapePath: true, applyChecksum: true });
    signers.set(key, signer);
  }
  return signer;
}

async function attemptOnce(call: AwsJsonCall): Promise<unknown> {
  const url = new URL(call.endpoint ?? endpointFor(call.service, call.region));
  const body = JSON.stringify(call.body);
  const signed = await signerFor(call.service, call.region).sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port && { port: Number(url.port) }),
    path: url.pathname || '/',
    query: {},
    headers: {
      host: url.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': call.target,
      'content-length': String(Buffer.byteLength(body)),
    },
    body,
  });
  const { status, text } = await post(url, signed.headers, body, call.timeoutMs ?? 3000);
  const parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  if (status >= 200 && status < 300) return parsed;
  // `__type` may be namespaced (`com.amazonaws.secretsmanager#ResourceNotFoundException`).
  const type = typeof parsed.__type === 'string' ? parsed.__type.slice(parsed.__type.lastIndexOf('#') + 1) : `Http${status}`;
  const message = typeof parsed.message === 'string' ? parsed.message : typeof parsed.Message === 'string' ? parsed.Message : text.slice(0, 200);
  throw new AwsServiceError(type, `${call.target}: ${type}: ${message}`, status);
}

function post(url: URL, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'POST', headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`AWS call to ${url.host} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** SHA-256 and HMAC-SHA256 in the shape the SigV4 signer takes (`new Sha256(secret?)`), from node:crypto. */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
