import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * The SDK's default credential provider, as Lambda bundles see it. A Lambda function's execution
 * role credentials are always in its environment (the runtime puts them there and refreshes
 * them), so the SDK's full chain (SSO, INI files, process, web identity, container and instance
 * metadata) is never consulted. The serverless-esbuild `alias` in serverless.yml substitutes this
 * module for `@aws-sdk/credential-provider-node` in the Lambda bundles only; the worker (ECS) and
 * the scripts keep the full chain. This is the one place that substitution is made.
 */
export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
