import { randomBytes } from 'node:crypto';

/** A plain value, or a CloudFormation reference or other intrinsic function resolved only at deploy time. */
export type TemplateValue = string | { Ref: string } | Record<string, unknown>;

export const REGION = 'eu-west-1';
/** Production's build and environment (log level, tracing) are what users pay for. */
export const STAGE = 'prod';

/** What a deploy would resolve the template's references in function environments to (generated ids, here placeholders). */
export const DEPLOYED_REFS: Record<string, string> = {
  UserPool: `${REGION}_BenchPool1`,
  UserAppClient: 'benchappclient',
  ServiceClient: 'benchserviceclient',
  LegacyBroker: 'b-00000000-0000-0000-0000-000000000000',
  LegacyDeadLetterSecret: `arn:aws:secretsmanager:${REGION}:000000000000:secret:entity-platform/prod/legacy-dead-letters-AbCdEf`,
  LegacyPublisherSecret: `arn:aws:secretsmanager:${REGION}:000000000000:secret:entity-platform/prod/legacy-publisher-AbCdEf`,
};

/** What a deploy would resolve the platform stack's exports imported in function environments to, by export name (placeholders). */
export const DEPLOYED_IMPORTS: Record<string, string> = {
  UserPoolId: `${REGION}_BenchPool1`,
  ServiceClientId: 'benchserviceclient',
};

/** What a deploy would resolve other intrinsic functions in function environments to, by variable (placeholders). */
export const DEPLOYED_VARIABLES: Record<string, string> = {
  CONSOLE_ORIGIN: 'https://d111111abcdef8.cloudfront.net',
};

function resolved(name: string, value: TemplateValue): string {
  if (typeof value === 'string') return value;
  const imported = 'Fn::ImportValue' in value && typeof value['Fn::ImportValue'] === 'string' ? DEPLOYED_IMPORTS[value['Fn::ImportValue'].split(':').pop()!] : undefined;
  const id = imported ?? ('Ref' in value && typeof value.Ref === 'string' ? DEPLOYED_REFS[value.Ref] : DEPLOYED_VARIABLES[name]);
  if (id === undefined) throw new Error(`bench: ${name} is ${JSON.stringify(value)} in the template, which the bench has no stand-in for (bench/lib/lambdaEnv.ts)`);
  return id;
}

/**
 * The environment the Lambda runtime gives a function (reserved variables, environment
 * credentials, X-Ray) plus the function's own variables from the packaged template. Built from
 * scratch, not from the caller's environment, so no local AWS profile or proxy leaks in. The
 * credentials are placeholders: nothing may reach AWS.
 */
export function lambdaEnvironment(functionName: string, templateVariables: Record<string, TemplateValue>, taskRoot: string): Record<string, string> {
  const functionVariables = Object.fromEntries(Object.entries(templateVariables).map(([name, value]) => [name, resolved(name, value)]));
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: `entity-platform-${STAGE}-${functionName}`,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/entity-platform-${STAGE}-${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]00000000000000000000000000000000',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: taskRoot,
    AWS_ACCESS_KEY_ID: 'ASIABENCHBENCHBENCH0',
    AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key-not-real',
    AWS_SESSION_TOKEN: 'bench-session-token-not-real',
    // X-Ray: Lambda's daemon address; the bench's in-process workers get the address of a stand-in
    // that reads (bench/lib/xrayDaemon.ts). A cold init sends nothing.
    AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    _AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1',
    _AWS_XRAY_DAEMON_PORT: '2000',
    // The read-model functions read the RDS Proxy's endpoint from its SSM parameter on their first
    // connection, which the bench never makes: nothing reaches the network at init.
    ...functionVariables,
  };
}

/** A fresh X-Ray trace header, as the runtime sets per invocation. */
export function traceHeader(sampled: boolean): string {
  const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  return `Root=${root};Parent=${randomBytes(8).toString('hex')};Sampled=${sampled ? 1 : 0}`;
}

/**
 * X-Ray's default sampling rule, which the stages use (no rule of their own), as each request
 * meets it: the first request of each second (the reservoir), then 5 % of the others. API Gateway
 * decides and the function's trace header carries the decision.
 */
export function defaultSamplingRule(random: () => number = Math.random, now: () => number = Date.now): () => boolean {
  let second = Number.NaN;
  return () => {
    const current = Math.floor(now() / 1000);
    if (current !== second) {
      second = current;
      return true;
    }
    return random() < 0.05;
  };
}
