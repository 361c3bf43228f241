import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { environmentCredentials, type CredentialProvider } from './environmentCredentials.ts';
import { lambdaTraceHeader } from './lambdaTraceHeader.ts';
import { signRequest, type Credentials } from './sigv4.ts';

/**
 * Our client for the AWS APIs that speak the JSON protocol (`POST /`, `X-Amz-Target`,
 * `application/x-amz-json-1.0|1.1`): DynamoDB, ECS, EventBridge, SSM, Secrets Manager. It makes
 * the request the SDK would, SigV4-signed with the execution role's environment credentials,
 * over a keep-alive agent, with the SDK's standard retry rules (throttling, 5xx, timeouts and
 * network errors; full-jitter exponential backoff), per-attempt connect and request timeouts,
 * and an observer for tracing. The SDK's clients cost each Lambda function ~190 KB of bundle
 * and ~20 ms of module initialisation at every cold start (README, "Performance"); this is
 * the part of them our functions use.
 */
/** What identifies an AWS JSON-protocol API. */
export interface AwsService {
  /** Signing name and endpoint prefix: `dynamodb`, `ecs`, `events`, `ssm`, `secretsmanager`. */
  readonly signingName: string;
  /**
   * The service's id as the SDK names it: in traces (`DynamoDB`, `ECS`, `EventBridge`) and, upper-cased
   * with spaces as underscores, in the endpoint override `AWS_ENDPOINT_URL_<ID>` (`SECRETS_MANAGER`).
   */
  readonly serviceId: string;
  /** `X-Amz-Target` is `<targetPrefix>.<operation>`. */
  readonly targetPrefix: string;
  readonly jsonVersion: '1.0' | '1.1';
}

/** The APIs the platform calls, each described once. */
export const AWS_SERVICES = {
  dynamodb: { signingName: 'dynamodb', serviceId: 'DynamoDB', targetPrefix: 'DynamoDB_20120810', jsonVersion: '1.0' },
  ecs: { signingName: 'ecs', serviceId: 'ECS', targetPrefix: 'AmazonEC2ContainerServiceV20141113', jsonVersion: '1.1' },
  eventBridge: { signingName: 'events', serviceId: 'EventBridge', targetPrefix: 'AWSEvents', jsonVersion: '1.1' },
  ssm: { signingName: 'ssm', serviceId: 'SSM', targetPrefix: 'AmazonSSM', jsonVersion: '1.1' },
  secretsManager: { signingName: 'secretsmanager', serviceId: 'Secrets Manager', targetPrefix: 'secretsmanager', jsonVersion: '1.1' },
} as const satisfies Record<string, AwsService>;

/**
 * A local stand-in's endpoint (DynamoDB Local, the local stack's ECS and EventBridge stand-ins) and
 * the placeholder credentials it is signed with; nothing when `endpoint` is unset (AWS).
 */
export function standIn(endpoint: string | undefined): Pick<AwsJsonClientOptions, 'endpoint' | 'credentials'> {
  return endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {};
}

/** What the platform's code builds a client from: the region, a local stand-in's endpoint (none in AWS), the tracing observer. */
export interface PlatformClientOptions {
  readonly region: string;
  readonly endpoint?: string | undefined;
  readonly observer?: AwsCallObserver | undefined;
}

/**
 * The platform's retry policy (DynamoDB, EventBridge), in one place so the clients cannot drift:
 * 4 attempts, each with a 1 s connect and a 2 s request timeout.
 */
export const PLATFORM_RETRY_POLICY = { maxAttempts: 4, connectTimeoutMs: 1000, requestTimeoutMs: 2000 } as const satisfies Partial<AwsJsonClientOptions>;

/** A client of `service` as the platform builds one; `policy` overrides the default retries and timeouts. */
export function platformClient(service: AwsService, options: PlatformClientOptions & Pick<AwsJsonClientOptions, 'credentials'>, policy: Pick<AwsJsonClientOptions, 'maxAttempts' | 'connectTimeoutMs' | 'requestTimeoutMs'> = {}): AwsJsonClient {
  return new AwsJsonClient({ ...service, region: options.region, credentials: options.credentials, ...standIn(options.endpoint), ...policy, observer: options.observer });
}

export interface AwsJsonClientOptions extends AwsService {
  readonly region: string;
  /** Overrides the endpoint (the local stack's stand-ins, DynamoDB Local); else `AWS_ENDPOINT_URL_<ID>`, `AWS_ENDPOINT_URL`, the regional one. */
  readonly endpoint?: string | undefined;
  /** Default: the environment's credentials (what Lambda gives a function); a provider (the worker's task role), or static ones for local stand-ins. */
  readonly credentials?: Credentials | CredentialProvider | undefined;
  /** Attempts per call, the first included (default 3, the SDK's). */
  readonly maxAttempts?: number;
  /** Per attempt: establishing the connection (default 1000 ms). */
  readonly connectTimeoutMs?: number;
  /** Per attempt: from sending the request to the whole answer (default 3000 ms). */
  readonly requestTimeoutMs?: number;
  /** Sees each call (tracing); it may add a trace header to the request. */
  readonly observer?: AwsCallObserver | undefined;
}

/** A call as an observer sees it. */
export interface AwsCall {
  readonly serviceId: string;
  readonly operation: string;
  readonly region: string;
  readonly input: Readonly<Record<string, unknown>>;
}

/** How a call ended: its last answer's status and request id (none after a network error), and the attempts made. */
export interface AwsCallOutcome {
  readonly attempts: number;
  readonly statusCode?: number | undefined;
  readonly requestId?: string | undefined;
  readonly error?: unknown;
}

export interface AwsCallObserver {
  /** Called before the first attempt; `traceHeader` is sent as `X-Amzn-Trace-Id`, `end` is called once the call is over. */
  start(call: AwsCall): { readonly traceHeader?: string | undefined; end(outcome: AwsCallOutcome): void } | undefined;
}

/** An error answer of the service: its `__type` (e.g. `ConditionalCheckFailedException`), message and the rest of its document. */
export class AwsServiceError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly requestId: string | undefined;
  /** The error document as the service sent it (DynamoDB: `Item`, `CancellationReasons`). */
  readonly document: Readonly<Record<string, unknown>>;
  constructor(code: string, message: string, statusCode: number, details: { requestId?: string | undefined; document?: Record<string, unknown> } = {}) {
    super(message);
    // As the SDK names its exceptions: logs and traces show `ResourceNotFoundException`, not a class of ours.
    this.name = code;
    this.code = code;
    this.statusCode = statusCode;
    this.requestId = details.requestId;
    this.document = details.document ?? {};
  }
}

/** An attempt that got no answer in time (connect or request timeout). */
export class AwsTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AwsTimeoutError';
  }
}

// The SDK's standard retry classes (throttling; transient), by error code and by HTTP status.
const THROTTLING = new Set([
  'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottledException', 'TooManyRequestsException', 'ProvisionedThroughputExceededException',
  'TransactionInProgressException', 'RequestLimitExceeded', 'BandwidthLimitExceeded', 'LimitExceededException', 'RequestThrottled', 'SlowDown', 'PriorRequestNotComplete',
]);
const TRANSIENT = new Set(['RequestTimeout', 'RequestTimeoutException', 'InternalServiceError', 'InternalFailure', 'InternalServerError', 'ServiceUnavailable']);
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);
/** Backoff bases (ms): the SDK waits longer after throttling than after a transient failure. */
const THROTTLING_BASE_MS = 500;
const TRANSIENT_BASE_MS = 100;
const MAX_BACKOFF_MS = 20_000;

/** `null`: not retryable; else the backoff base (ms). */
function retryBase(error: unknown): number | null {
  if (error instanceof AwsServiceError) {
    if (THROTTLING.has(error.code) || error.statusCode === 429) return THROTTLING_BASE_MS;
    if (TRANSIENT.has(error.code) || TRANSIENT_STATUS.has(error.statusCode)) return TRANSIENT_BASE_MS;
    return null;
  }
  return TRANSIENT_BASE_MS; // timeouts and network errors (reset, refused, a keep-alive socket the server closed)
}

/** The endpoint the SDK would use: `AWS_ENDPOINT_URL_<SERVICE_ID>`, else `AWS_ENDPOINT_URL`, else the regional one. */
export function endpointFor(serviceId: string, signingName: string, region: string, env: Record<string, string | undefined> = process.env): string {
  const variable = `AWS_ENDPOINT_URL_${serviceId.toUpperCase().replace(/ /g, '_')}`;
  const dnsSuffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return env[variable] ?? env.AWS_ENDPOINT_URL ?? `https://${signingName}.${region}.${dnsSuffix}`;
}

/** What one attempt brought back. */
interface Answer {
  readonly status: number;
  readonly requestId: string | undefined;
  readonly text: string;
}

export class AwsJsonClient {
  /** Read by bench/inProcess.ts to answer only DynamoDB's calls in-process. */
  readonly serviceId: string;
  readonly #options: AwsJsonClientOptions;
  readonly #url: URL;
  readonly #contentType: string;
  readonly #credentials: CredentialProvider;
  readonly #agent: HttpAgent;
  readonly #send: typeof httpRequest;

  constructor(options: AwsJsonClientOptions) {
    this.#options = options;
    this.serviceId = options.serviceId;
    this.#url = new URL(options.endpoint ?? endpointFor(options.serviceId, options.signingName, options.region));
    this.#contentType = `application/x-amz-json-${options.jsonVersion}`;
    const credentials = options.credentials ?? environmentCredentials;
    this.#credentials = typeof credentials === 'function' ? credentials : () => credentials;
    // One keep-alive pool per client: every call after the first reuses a warm TLS connection.
    const plain = this.#url.protocol === 'http:';
    this.#agent = plain ? new HttpAgent({ keepAlive: true, maxSockets: 50 }) : new HttpsAgent({ keepAlive: true, maxSockets: 50 });
    this.#send = plain ? httpRequest : httpsRequest;
  }

  /** Calls `operation` (e.g. `GetItem`) with `input`; resolves with the answer's document, rejects with an AwsServiceError or the last network error. */
  async call<T = Record<string, unknown>>(operation: string, input: Readonly<Record<string, unknown>>): Promise<T> {
    const maxAttempts = this.#options.maxAttempts ?? 3;
    const observation = this.#options.observer?.start({ serviceId: this.serviceId, operation, region: this.#options.region, input });
    const body = JSON.stringify(input);
    for (let attempt = 1; ; attempt++) {
      // This attempt's answer, if it got one: an error after it still reports its status and request id.
      let answer: Answer | undefined;
      try {
        answer = await this.#attempt(operation, body, observation?.traceHeader);
        const result = this.#resultOf(operation, answer) as T;
        observation?.end({ attempts: attempt, statusCode: answer.status, requestId: answer.requestId });
        return result;
      } catch (error) {
        const base = retryBase(error);
        if (attempt >= maxAttempts || base === null) {
          observation?.end({ attempts: attempt, statusCode: answer?.status, requestId: answer?.requestId, error });
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(MAX_BACKOFF_MS, base * 2 ** attempt)));
      }
    }
  }

  /** Closes the pooled connections (tests, scripts; a Lambda container keeps them). */
  destroy(): void {
    this.#agent.destroy();
  }

  #resultOf(operation: string, answer: Answer): unknown {
    let document: Record<string, unknown>;
    try {
      document = answer.text === '' ? {} : (JSON.parse(answer.text) as Record<string, unknown>);
    } catch {
      throw new AwsServiceError(`Http${answer.status}`, `${this.serviceId} ${operation}: an answer that is not JSON (HTTP ${answer.status}): ${answer.text.slice(0, 200)}`, answer.status, { requestId: answer.requestId });
    }
    if (answer.status >= 200 && answer.status < 300) return document;
    // `__type` may be namespaced (`com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException`).
    const type = typeof document.__type === 'string' ? document.__type.slice(document.__type.lastIndexOf('#') + 1) : `Http${answer.status}`;
    const message = typeof document.message === 'string' ? document.message : typeof document.Message === 'string' ? document.Message : answer.text.slice(0, 200);
    throw new AwsServiceError(type, `${this.serviceId} ${operation}: ${type}: ${message}`, answer.status, { requestId: answer.requestId, document });
  }

  async #attempt(operation: string, body: string, traceHeader: string | undefined): Promise<Answer> {
    const url = this.#url;
    const headers: Record<string, string> = {
      'content-type': this.#contentType,
      'x-amz-target': `${this.#options.targetPrefix}.${operation}`,
      'content-length': String(Buffer.byteLength(body)),
    };
    // Never signed (the signer leaves it out), as the SDK sends it. Without a subsegment of ours, the
    // invocation's own header goes on as it came (the SDK's recursion detection), sampled or not.
    const trace = traceHeader ?? lambdaTraceHeader();
    if (trace) headers['x-amzn-trace-id'] = trace;
    const signed = signRequest({ method: 'POST', host: url.host, path: url.pathname || '/', headers, body }, { service: this.#options.signingName, region: this.#options.region }, await this.#credentials());
    return this.#post(operation, signed, body);
  }

  #post(operation: string, headers: Record<string, string>, body: string): Promise<Answer> {
    const connectTimeoutMs = this.#options.connectTimeoutMs ?? 1000;
    const requestTimeoutMs = this.#options.requestTimeoutMs ?? 3000;
    return new Promise((resolve, reject) => {
      let connectTimer: NodeJS.Timeout | undefined;
      const requestTimer = setTimeout(() => fail(new AwsTimeoutError(`${this.serviceId} ${operation}: no answer within ${requestTimeoutMs} ms`)), requestTimeoutMs);
      const settle = () => {
        clearTimeout(requestTimer);
        if (connectTimer) clearTimeout(connectTimer);
      };
      const req: ClientRequest = this.#send(this.#url, { method: 'POST', headers, agent: this.#agent }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          settle();
          const requestId = res.headers['x-amzn-requestid'] ?? res.headers['x-amz-request-id'];
          resolve({ status: res.statusCode ?? 0, requestId: typeof requestId === 'string' ? requestId : undefined, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', fail);
      });
      function fail(error: Error) {
        settle();
        req.destroy(error);
        reject(error);
      }
      req.on('socket', (socket) => {
        // A pooled socket is already connected; only a new one has to connect in time.
        if (!socket.connecting) return;
        connectTimer = setTimeout(() => fail(new AwsTimeoutError(`${this.serviceId} ${operation}: could not connect to ${this.#url.host} within ${connectTimeoutMs} ms`)), connectTimeoutMs);
        socket.once('connect', () => clearTimeout(connectTimer));
      });
      req.on('error', fail);
      req.end(body);
    });
  }
}
