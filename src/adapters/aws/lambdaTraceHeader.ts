import type { InvokeStoreBase } from '@aws/lambda-invoke-store';

/**
 * This invocation's X-Ray trace header: from the runtime's invoke store (one per concurrent
 * invocation when Lambda runs several at once in a process), else `_X_AMZN_TRACE_ID`.
 */
export function currentTraceHeader(): string | undefined {
  const store: InvokeStoreBase | undefined = globalThis.awslambda?.InvokeStore;
  return store?.getXRayTraceId() ?? process.env._X_AMZN_TRACE_ID;
}

/** The header an AWS call passes on when nothing else traces it: the invocation's, inside Lambda only (as the SDK's recursion detection does). */
export function lambdaTraceHeader(): string | undefined {
  return process.env.AWS_LAMBDA_FUNCTION_NAME ? currentTraceHeader() : undefined;
}
