/**
 * The plain settings: single environment variables that need no schema, read here so that every
 * read of `process.env` is in src/config (the sections with schemas are beside this file). No zod:
 * the health check, the Cognito trigger and the call recorder that use these bundle nothing more.
 */

/** A variable's value, or `undefined` when it is unset or empty (a stage param left empty). */
function optional(name: string): string | undefined {
  return process.env[name] || undefined;
}

/** The stage the function runs in, as the health check reports it (`unknown` when unset). */
export const stageName = (): string => process.env['STAGE'] ?? 'unknown';

/** The Lambda function's name (AWS sets AWS_LAMBDA_FUNCTION_NAME), if running as one. */
export const lambdaFunctionName = (): string | undefined => optional('AWS_LAMBDA_FUNCTION_NAME');

/** The region the SDK clients call (empty when unset, for callers that fail on their own). */
export const awsRegion = (): string => process.env['AWS_REGION'] ?? '';

/** USAGE_KEY_PREFIX: the stage's prefix of tenant API key values (per-tenant usage plans; unset locally). */
export const usageKeyPrefix = (): string | undefined => optional('USAGE_KEY_PREFIX');

/** SERVICE_CLIENT_TENANT: the tenant the Cognito trigger gives machine (client-credentials) tokens. */
export const serviceClientTenant = (): string | undefined => process.env['SERVICE_CLIENT_TENANT'];

/** CONSOLE_ORIGIN: the console's origin, allowed by CORS (unset: no CORS headers). */
export const consoleOrigin = (): string | undefined => optional('CONSOLE_ORIGIN');

/** AWS_CALL_LOG: the file the permission tests' call recorder appends to (unset, as in AWS: nothing is recorded). */
export const awsCallLogFile = (): string | undefined => process.env['AWS_CALL_LOG'];

/** AWS_CALL_LOG_CALLER: who the recorded calls are from when no handler says (the worker). */
export const awsCallLogCaller = (): string | undefined => process.env['AWS_CALL_LOG_CALLER'];
