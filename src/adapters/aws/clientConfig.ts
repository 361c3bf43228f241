import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { traceAwsClient } from '../../observability/tracing.ts';
import { recordCalls } from '../../observability/awsCallLog.ts';

/**
 * How every AWS SDK client of the platform is built, in one place so the clients cannot drift.
 *
 * One retry layer per call: the SDK's standard retry strategy (throttling, transient errors and
 * timeouts; exponential backoff with jitter; a retry quota that stops retry storms; clock-skew
 * correction), with the seed's policy for calls between services: 3 attempts, each with a 1 s
 * connect and a 2 s request timeout. Nothing of ours retries around it. Idempotency tokens the
 * service models declare (`TransactWriteItems`' `ClientRequestToken`, RunTask's `clientToken`) are
 * filled in by the SDK once per call, so a retried attempt is the same request.
 */
export const CALL_POLICY = { maxAttempts: 3, connectionTimeoutMs: 1000, requestTimeoutMs: 2000 } as const;

export interface AwsClientOptions {
  readonly region: string;
  /** A local stand-in (DynamoDB Local, the local stack's EventBridge, ECS and S3); unset in AWS. */
  readonly endpoint?: string | undefined;
  /**
   * Where credentials come from in AWS. Unset: the SDK's default provider, which in a Lambda bundle
   * reads the environment only (see lambdaCredentials.ts); the worker passes the full chain.
   */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
}

/** What a local stand-in is signed with (it checks no signature). */
export const STAND_IN_CREDENTIALS: AwsCredentialIdentity = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The configuration of an SDK client: region, endpoint, credentials, retries and timeouts (CALL_POLICY). */
export function awsClientConfig(options: AwsClientOptions) {
  const credentials = options.endpoint ? STAND_IN_CREDENTIALS : options.credentials;
  return {
    region: options.region,
    maxAttempts: CALL_POLICY.maxAttempts,
    retryMode: 'standard',
    // The SDK builds its Node HTTP handler (keep-alive agent) from these options. Without
    // `throwOnRequestTimeout` the request timeout only logs a warning and the call waits on.
    requestHandler: { connectionTimeout: CALL_POLICY.connectionTimeoutMs, requestTimeout: CALL_POLICY.requestTimeoutMs, throwOnRequestTimeout: true },
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    ...(credentials !== undefined && { credentials }),
  } as const;
}

/**
 * Every SDK client of the platform, once built: traced (each call a subsegment) and, under the
 * permission tests, recorded (src/observability/awsCallLog.ts).
 */
export function instrumented<T extends Parameters<typeof recordCalls>[0]>(client: T): T {
  return traceAwsClient(recordCalls(client));
}
