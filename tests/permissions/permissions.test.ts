import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { RequestModel, type IamRequest } from './awsRequests.ts';
import { packagedStages } from '../support/testRun.ts';
import { recordedCalls } from './recordedCalls.ts';
import { ACCOUNT, StageModel } from './stageModel.ts';

/**
 * Permissions proven, not assumed: every AWS request the functions and the worker made during the
 * stack suite (recorded by src/observability/awsCallLog.ts), and every request AWS makes on their
 * behalf (KMS through DynamoDB, S3, SQS and Secrets Manager, event source mappings, logs, traces,
 * EventBridge targets), is evaluated with @cloud-copilot/iam-simulate against the role, resource
 * policy and key policy of the packaged `dev` and `prod` templates. Any deny fails with the caller,
 * action and resource; grants no request used are printed, so least privilege can be read.
 *
 * Runs after the stack project (vitest.config.ts: `permissions`, group order 1), whose global setup
 * records the calls and packages the stages; it finds both through ENTITY_PLATFORM_TEST_RUN.
 */
const packagedDir = await packagedStages();
const calls = recordedCalls();
const local = StageModel.load(packagedDir, 'local');

/** AWS managed policies the roles attach, as AWS publishes them. */
const MANAGED: Record<string, unknown> = {
  'arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        Resource: '*',
      },
    ],
  },
};

type Statement = { Effect: string; Action?: string | string[]; Resource?: string | string[] };
type PolicyDocument = { Statement: Statement[] };

function identityPolicies(stage: StageModel, role: string): { name: string; policy: PolicyDocument }[] {
  const props = stage.resource(role).Properties ?? {};
  const inline = ((stage.resolve(props['Policies'] ?? []) as { PolicyName: string; PolicyDocument: PolicyDocument }[]) ?? []).map((p) => ({ name: p.PolicyName, policy: p.PolicyDocument }));
  const managed = ((stage.resolve(props['ManagedPolicyArns'] ?? []) as string[]) ?? []).map((arn) => {
    const policy = MANAGED[arn];
    if (!policy) throw new Error(`${role} attaches ${arn}, whose document the test does not know`);
    return { name: arn, policy: policy as PolicyDocument };
  });
  return [...inline, ...managed];
}

/** The resource policy IAM reads with a request: the key's, the bucket's, the queue's or the topic's. */
function resourcePolicy(stage: StageModel, request: IamRequest): unknown {
  const policies = (type: string, target: string, matches: (targets: unknown) => boolean) =>
    stage.resources(type).filter(([, r]) => matches(stage.resolve((r.Properties?.[target] ?? null) as never))).map(([, r]) => stage.resolve(r.Properties?.['PolicyDocument'] as never));
  const service = request.action.split(':')[0];
  let found: unknown[] = [];
  if (service === 'kms') found = stage.resources('AWS::KMS::Key').filter(([id]) => String(stage.attribute(id, 'Arn')) === request.resource).map(([, r]) => stage.resolve(r.Properties?.['KeyPolicy'] as never));
  if (service === 's3') found = policies('AWS::S3::BucketPolicy', 'Bucket', (bucket) => request.resource.startsWith(`arn:aws:s3:::${String(bucket)}`));
  if (service === 'sqs') found = policies('AWS::SQS::QueuePolicy', 'Queues', (queues) => (queues as string[]).some((url) => url.endsWith(`/${request.resource.split(':').at(-1)}`)));
  if (service === 'sns') found = policies('AWS::SNS::TopicPolicy', 'Topics', (topics) => (topics as string[]).includes(request.resource));
  return found.length === 0 ? undefined : { Version: '2012-10-17', Statement: found.flatMap((p) => (p as PolicyDocument).Statement) };
}

const roleArn = (stage: StageModel, role: string) => String(stage.attribute(role, 'Arn'));

async function simulate(stage: StageModel, request: IamRequest): Promise<string> {
  const principal = 'role' in request.principal ? `arn:aws:sts::${ACCOUNT}:assumed-role/${stage.physicalName(request.principal.role)}/session` : request.principal.service;
  const context: Record<string, string | string[]> = { 'aws:SecureTransport': 'true', ...request.context };
  if ('role' in request.principal) Object.assign(context, { 'aws:PrincipalArn': roleArn(stage, request.principal.role), 'aws:PrincipalAccount': ACCOUNT });
  const simulation: Simulation = {
    request: { principal, action: request.action, resource: { resource: request.resource, accountId: ACCOUNT }, contextVariables: context },
    identityPolicies: 'role' in request.principal ? identityPolicies(stage, request.principal.role) : [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: resourcePolicy(stage, request),
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') return `invalid: ${JSON.stringify(result.errors)}`;
  return result.overallResult;
}

const describeRequest = (stage: StageModel, r: IamRequest) => `${'role' in r.principal ? r.principal.role : r.principal.service} ${r.action} ${r.resource} [${r.because}]`;

/** Does an IAM action pattern (`dynamodb:*Item`) cover an action? */
const covers = (pattern: string, action: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(action);

describe.each(['dev', 'prod'])('permissions of the %s stage (recorded calls, simulated against the packaged template)', (stageName) => {
  const stage = StageModel.load(packagedDir, stageName);
  const model = new RequestModel(stage, local);
  const recorded = calls.flatMap((call) => model.requestsFor(call));
  const requests = [...recorded, ...model.impliedRequests()];
  const unique = [...new Map(requests.map((r) => [describeRequest(stage, r).replace(/ \[.*$/, '') + JSON.stringify(r.context), r])).values()];

  it('recorded the calls of the functions and the worker the suites exercise', () => {
    const callers = new Set(calls.map((c) => c.caller.replace(/^entity-platform-local-/, '')));
    for (const expected of ['createEntity', 'getEntity', 'patchEntity', 'deleteEntity', 'listEntities', 'publishEntityEvents', 'recordEntityAudit', 'getEntityHistory', 'startJob', 'getJob', 'createJobUpload', 'getJobFile', 'worker']) {
      expect(callers, `no recorded call from ${expected}`).toContain(expected);
    }
    expect(recorded.length).toBeGreaterThan(20);
  });

  it('allows every request', async () => {
    const denied: string[] = [];
    for (const request of unique) {
      const outcome = await simulate(stage, request);
      if (outcome !== 'Allowed') denied.push(`${outcome}: ${describeRequest(stage, request)}`);
    }
    expect(denied).toEqual([]);
  });

  it('denies what no role was given (the simulation can fail)', async () => {
    const role = model.requestsFor(calls.find((c) => c.caller.endsWith('-getEntity') && c.service === 'DynamoDB')!)[0]!;
    expect(await simulate(stage, { ...role, action: 'dynamodb:DeleteTable' })).toBe('ImplicitlyDenied');
    expect(await simulate(stage, { ...role, action: 'dynamodb:PutItem' })).toBe('ImplicitlyDenied');
  });

  it('records the runtime secret read of exactly the functions that sign or check cursors, and would deny it to another', async () => {
    const readers = new Set(calls.filter((c) => c.service === 'SecretsManager' && c.input['SecretId'] === 'entity-platform/local/runtime').map((c) => c.caller.replace(/^entity-platform-local-/, '')));
    expect([...readers].sort()).toEqual(['getEntityHistory', 'listEntities', 'searchEntities']);
    const read = model.requestsFor(calls.find((c) => c.caller.endsWith('-listEntities') && c.service === 'SecretsManager')!);
    expect(read.map((r) => r.action)).toEqual(['secretsmanager:GetSecretValue', 'kms:Decrypt']);
    expect(await simulate(stage, read[0]!)).toBe('Allowed');
    // The same read by a function whose role has no such grant (getEntity never signs a cursor) is refused.
    const getEntityRole = model.requestsFor(calls.find((c) => c.caller.endsWith('-getEntity') && c.service === 'DynamoDB')!)[0]!.principal;
    expect(await simulate(stage, { ...read[0]!, principal: getEntityRole })).toBe('ImplicitlyDenied');
  });

  it('lists the grants no request used (least privilege, for reading)', () => {
    const roles = new Set(unique.flatMap((r) => ('role' in r.principal ? [r.principal.role] : [])));
    const unused: string[] = [];
    for (const role of [...roles].sort()) {
      const used = unique.filter((r) => 'role' in r.principal && r.principal.role === role).map((r) => r.action);
      for (const { policy } of identityPolicies(stage, role)) {
        for (const statement of policy.Statement.filter((s) => s.Effect === 'Allow')) {
          for (const action of [statement.Action ?? []].flat()) if (!used.some((u) => covers(action, u))) unused.push(`${role}: ${action}`);
        }
      }
    }
    console.log(`${stageName}: ${unique.length} distinct requests simulated; grants no request used:\n  ${unused.join('\n  ') || '(none)'}`);
    expect(roles.size).toBeGreaterThan(10);
  });
});
