import { beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYED_STAGES, packagedStacks, resourcesOfType, type Template } from '../support/packagedStack.ts';
import { PACKAGED_STAGES_TIMEOUT_MS, packagedStages } from '../support/testRun.ts';

// The AWS stages are packaged while the stack's tests run; this file runs after them (tests/support/sequencer.ts).
beforeAll(() => packagedStages(), PACKAGED_STAGES_TIMEOUT_MS);

// Both stacks of the stage (docs/deploy.md, "Stacks"): the platform names its key, the application imports it.
const KEY_ARN = { 'Fn::GetAtt': ['PlatformKey', 'Arn'] };
const KEY_REF = { Ref: 'PlatformKey' };
const imported = (name: string) => ({ 'Fn::ImportValue': expect.stringMatching(new RegExp(`^entity-platform-(dev|staging|prod)-platform:${name}$`)) });
const isPlatformKey = (value: unknown) =>
  JSON.stringify(value) === JSON.stringify(KEY_ARN) || JSON.stringify(value) === JSON.stringify(KEY_REF) || /^entity-platform-\w+-platform:PlatformKeyArn$/.test(String((value as { 'Fn::ImportValue'?: unknown })?.['Fn::ImportValue']));

/**
 * Statements allowed a "*" resource, each because AWS offers nothing narrower. Keyed by
 * `<logical id>/<action>`; a new "*" fails the test until it is listed here with its reason.
 */
const STAR_RESOURCE_ALLOWED: Record<string, string> = {
  'xray:PutTraceSegments': 'X-Ray has no resource-level permissions',
  'xray:PutTelemetryRecords': 'X-Ray has no resource-level permissions',
  'ec2:CreateNetworkInterface': 'Lambda VPC access (ENIs in the private subnets): AWS documents these ENI actions for "*" only (AWSLambdaVPCAccessExecutionRole)',
  'ec2:DescribeNetworkInterfaces': 'Lambda VPC access: Describe* has no resource-level permissions',
  'ec2:DeleteNetworkInterface': 'Lambda VPC access: AWS documents the ENI actions for "*" (AWSLambdaVPCAccessExecutionRole)',
  'ec2:AssignPrivateIpAddresses': 'Lambda VPC access: AWS documents the ENI actions for "*" (AWSLambdaVPCAccessExecutionRole)',
  'ec2:UnassignPrivateIpAddresses': 'Lambda VPC access: AWS documents the ENI actions for "*" (AWSLambdaVPCAccessExecutionRole)',
  'ec2:DescribeVpcs': 'the Amazon MQ event source mapping (it runs with the function role) reads the broker network: Describe* has no resource-level permissions',
  'ec2:DescribeSubnets': 'the Amazon MQ event source mapping: Describe* has no resource-level permissions',
  'ec2:DescribeSecurityGroups': 'the Amazon MQ event source mapping: Describe* has no resource-level permissions',
  'ecr:GetAuthorizationToken': 'the registry login token is account-wide; image pulls are scoped to the repository',
  'dynamodb:ListStreams': "the stream's event source mapping lists streams; ListStreams has no resource-level permissions (found by tests/permissions)",
};
/** Key policies: "*" there means "this key" (a key policy can name no other resource). */
const KEY_POLICY_WILDCARD_ACTIONS: Record<string, string> = {
  'kms:*': "the account root's administration statement of the default key policy; it delegates to IAM and keeps the key manageable",
};

interface Statement { Effect: string; Action?: string | string[]; NotAction?: unknown; Resource?: unknown; Principal?: unknown; Condition?: unknown }

/** Every policy statement in the template with where it is: role policies, trust policies, key, topic and queue policies. */
function statements(template: Template): { id: string; kind: 'identity' | 'trust' | 'resource' | 'key'; statement: Statement }[] {
  const found: { id: string; kind: 'identity' | 'trust' | 'resource' | 'key'; statement: Statement }[] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    const p = r.Properties ?? {};
    const add = (kind: 'identity' | 'trust' | 'resource' | 'key', doc: any) => { for (const s of [doc?.Statement ?? []].flat()) found.push({ id, kind, statement: s }); };
    if (r.Type === 'AWS::IAM::Role') {
      add('trust', p.AssumeRolePolicyDocument);
      for (const policy of p.Policies ?? []) add('identity', policy.PolicyDocument);
    }
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') add('identity', p.PolicyDocument);
    if (r.Type === 'AWS::KMS::Key') add('key', p.KeyPolicy);
    if (['AWS::SNS::TopicPolicy', 'AWS::SQS::QueuePolicy', 'AWS::S3::BucketPolicy'].includes(r.Type)) add('resource', p.PolicyDocument);
  }
  return found;
}
const actions = (s: Statement) => [s.Action ?? []].flat();

function lambdaFunctions(template: Template) {
  return resourcesOfType(template, 'AWS::Lambda::Function');
}
function roleStatements(template: Template, roleId: string): Statement[] {
  return (template.Resources[roleId]?.Properties?.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement);
}

describe.each(DEPLOYED_STAGES)('security of the packaged template (%s)', (stage) => {
  it('encrypts every store, queue, topic, secret, repository and log group at rest with the platform key (rotation on)', async () => {
    const t = await packagedStacks(stage);
    expect(t.Resources.PlatformKey?.Properties).toMatchObject({ EnableKeyRotation: true });
    const table = t.Resources.EntitiesTable!.Properties!;
    expect(table.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: KEY_REF });
    for (const [id, db] of resourcesOfType(t, 'AWS::RDS::DBInstance')) {
      expect(db.Properties, id).toMatchObject({ StorageEncrypted: true, EnablePerformanceInsights: true });
      expect(isPlatformKey(db.Properties!.KmsKeyId), id).toBe(true);
      expect(isPlatformKey(db.Properties!.PerformanceInsightsKMSKeyId), id).toBe(true);
    }
    for (const [id, cache] of resourcesOfType(t, 'AWS::ElastiCache::ReplicationGroup')) {
      expect(cache.Properties, id).toMatchObject({ AtRestEncryptionEnabled: true, TransitEncryptionEnabled: true, TransitEncryptionMode: 'required' });
      expect(isPlatformKey(cache.Properties!.KmsKeyId), id).toBe(true);
      expect(JSON.stringify(cache.Properties!.AuthToken), id).toContain('{{resolve:secretsmanager:${CacheAuthSecret}');
    }
    for (const [id, q] of resourcesOfType(t, 'AWS::SQS::Queue')) expect(isPlatformKey(q.Properties?.KmsMasterKeyId), id).toBe(true);
    for (const [id, topic] of resourcesOfType(t, 'AWS::SNS::Topic')) expect(isPlatformKey(topic.Properties?.KmsMasterKeyId), id).toBe(true);
    for (const [id, secret] of resourcesOfType(t, 'AWS::SecretsManager::Secret')) expect(isPlatformKey(secret.Properties?.KmsKeyId), id).toBe(true);
    for (const [id, repo] of resourcesOfType(t, 'AWS::ECR::Repository')) expect(isPlatformKey(repo.Properties?.EncryptionConfiguration?.KmsKey), id).toBe(true);
    const logGroups = resourcesOfType(t, 'AWS::Logs::LogGroup');
    expect(logGroups.length).toBeGreaterThanOrEqual(14);
    for (const [id, group] of logGroups) {
      expect(isPlatformKey(group.Properties?.KmsKeyId), id).toBe(true);
      expect(group.Properties?.RetentionInDays, id).toBe(stage === 'prod' ? 90 : stage === 'dev' ? 14 : 30);
    }
    const keyServices = JSON.stringify(t.Resources.PlatformKey!.Properties!.KeyPolicy);
    for (const service of ['dynamodb', 'sqs', 'sns', 'rds', 'elasticache', 'secretsmanager', 'logs']) expect(keyServices, service).toContain(`${service}.\${AWS::Region}.amazonaws.com`);
  });

  it('enforces TLS to the database, the proxy, the cache and the alarm topic', async () => {
    const t = await packagedStacks(stage);
    expect(t.Resources.DatabaseParameterGroup!.Properties!.Parameters['rds.force_ssl']).toBe('1');
    expect(t.Resources.DatabaseProxy!.Properties).toMatchObject({ RequireTLS: true, EngineFamily: 'POSTGRESQL', Auth: [{ AuthScheme: 'SECRETS', IAMAuth: 'REQUIRED' }] });
    expect(t.Resources.Cache!.Properties!.TransitEncryptionMode).toBe('required');
    const topicPolicy = t.Resources.AlarmTopicPolicy!.Properties!.PolicyDocument.Statement;
    expect(topicPolicy).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
  });

  it('keeps databases private: no public access, private subnets, ingress only from the named security groups', async () => {
    const t = await packagedStacks(stage);
    expect(t.Resources.Database!.Properties!.PubliclyAccessible).toBe(false);
    for (const id of ['DatabaseSubnetGroup', 'CacheSubnetGroup']) {
      const subnets = JSON.stringify(t.Resources[id]!.Properties!.SubnetIds);
      expect(subnets, id).not.toContain('PublicSubnet');
    }
    const ingress = (id: string) => (t.Resources[id]!.Properties!.SecurityGroupIngress ?? []).map((r: any) => [r.FromPort, r.SourceSecurityGroupId?.Ref ?? r.CidrIp]);
    expect(ingress('DatabaseSecurityGroup')).toEqual([[5432, 'DatabaseProxySecurityGroup']]);
    expect(ingress('DatabaseProxySecurityGroup')).toEqual([[5432, 'FunctionSecurityGroup'], [5432, 'WorkerSecurityGroup']]);
    expect(ingress('CacheSecurityGroup')).toEqual([[6379, 'FunctionSecurityGroup'], [6379, 'WorkerSecurityGroup']]);
    expect(ingress('FunctionSecurityGroup')).toEqual([]);
    expect(ingress('WorkerSecurityGroup')).toEqual([]);
    for (const [id, sg] of resourcesOfType(t, 'AWS::EC2::SecurityGroup')) {
      for (const rule of sg.Properties!.SecurityGroupIngress ?? []) expect(rule.CidrIp, `${id} must not be open to the internet`).toBeUndefined();
    }
    expect(resourcesOfType(t, 'AWS::EC2::SecurityGroupIngress')).toEqual([]);
  });

  it('has no wildcard action anywhere, and a "*" resource only where the allow-list says why', async () => {
    const t = await packagedStacks(stage);
    const all = statements(t);
    expect(all.length).toBeGreaterThan(30);
    for (const { id, kind, statement } of all) {
      expect(statement.NotAction, `${id}: NotAction`).toBeUndefined();
      for (const action of actions(statement)) {
        if (statement.Effect === 'Allow') expect(action, `${id}: action "*"`).not.toBe('*');
        // A Deny may be broad (the deployment bucket's TLS-only s3:* Deny); an Allow may not.
        if (statement.Effect === 'Allow' && action.includes('*')) {
          expect(kind === 'key' && KEY_POLICY_WILDCARD_ACTIONS[action], `${id}: wildcard action ${action}`).toBeTruthy();
        }
      }
      const resources = [statement.Resource ?? []].flat();
      if (kind === 'identity' && resources.includes('*')) {
        for (const action of actions(statement)) expect(STAR_RESOURCE_ALLOWED[action], `${id}: ${action} on "*" is not in the allow-list`).toBeTruthy();
      }
      if (kind === 'key') expect(resources).toEqual(['*']); // a key policy's resource is the key itself
    }
    // Trust policies and resource policies name a principal, never everyone (except an explicit Deny).
    for (const { id, kind, statement } of all) {
      if ((kind === 'trust' || kind === 'resource') && statement.Effect === 'Allow') expect(JSON.stringify(statement.Principal), id).not.toBe('"*"');
    }
  });

  it('gives every function its own role, with only what it does', async () => {
    const t = await packagedStacks(stage);
    expect(t.Resources.IamRoleLambdaExecution, 'no function may fall back to the shared default role').toBeUndefined();
    const roles = lambdaFunctions(t).map(([id, fn]) => [id, fn.Properties!.Role['Fn::GetAtt']?.[0]] as const);
    expect(new Set(roles.map(([, role]) => role)).size).toBe(roles.length);
    const dynamoActions = (role: string) => roleStatements(t, role).flatMap((s) => actions(s)).filter((a) => a.startsWith('dynamodb:')).sort();
    expect(dynamoActions('GetEntityRole')).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(dynamoActions('ListEntitiesRole')).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    for (const writer of ['CreateEntityRole', 'ReplaceEntityRole', 'PatchEntityRole', 'DeleteEntityRole']) {
      expect(dynamoActions(writer), writer).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    }
    for (const quiet of ['HealthRole', 'PreTokenGenerationRole', 'MethodNotAllowedRole']) {
      expect(roleStatements(t, quiet).flatMap((s) => actions(s)).sort(), quiet).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    }
    for (const [id, fn] of lambdaFunctions(t)) {
      const name = fn.Properties!.FunctionName as string;
      const logs = roleStatements(t, fn.Properties!.Role['Fn::GetAtt'][0]).find((s) => actions(s).includes('logs:PutLogEvents'));
      expect(JSON.stringify(logs?.Resource), id).toContain(`log-group:/aws/lambda/${name}:*`);
    }
  });

  it('puts every function that reaches RDS or the cache in the private subnets, behind the function security group', async () => {
    const t = await packagedStacks(stage);
    const needsVpc = (id: string, fn: any) => {
      const policy = JSON.stringify(roleStatements(t, fn.Properties.Role['Fn::GetAtt'][0]));
      const env = Object.keys(fn.Properties.Environment?.Variables ?? {}).join(' ');
      return /rds-db:connect|CacheAuthSecret|DatabaseSecret|database\/proxy-endpoint|cache\/endpoint/.test(policy) || /\b(DATABASE|CACHE|REDIS)_/.test(env) || id === 'never';
    };
    for (const [id, fn] of lambdaFunctions(t)) {
      const vpc = fn.Properties!.VpcConfig;
      if (needsVpc(id, fn)) {
        expect(vpc?.SecurityGroupIds, id).toEqual([imported('FunctionSecurityGroupId')]);
        expect(vpc.SubnetIds, id).toEqual({ 'Fn::Split': [',', imported('PrivateSubnetIds')] });
      }
      if (vpc) expect(JSON.stringify(vpc.SubnetIds), `${id} must not run in a public subnet`).not.toContain('Public');
    }
  });

  it('gives every queue a DLQ, and every DLQ an alarm', async () => {
    const t = await packagedStacks(stage);
    const queues = resourcesOfType(t, 'AWS::SQS::Queue');
    // Dead-letter targets of every kind: queue redrive, EventBridge target DLQs, stream on-failure destinations.
    const dlqs = new Set<string>();
    const walk = (node: any, key?: string): void => {
      if (Array.isArray(node)) return node.forEach((n) => walk(n));
      if (typeof node !== 'object' || node === null) return;
      const target = key === 'deadLetterTargetArn' ? node : key === 'DeadLetterConfig' ? node.Arn : key === 'OnFailure' ? node.Destination : undefined;
      const id = target?.['Fn::GetAtt']?.[0];
      if (id && t.Resources[id]?.Type === 'AWS::SQS::Queue') dlqs.add(id);
      for (const [k, v] of Object.entries(node)) walk(v, k);
    };
    walk(t.Resources);
    expect(dlqs.size).toBeGreaterThan(0);
    for (const [id, q] of queues) if (!dlqs.has(id)) expect(q.Properties?.RedrivePolicy?.deadLetterTargetArn, `${id} has no DLQ`).toBeDefined();
    const alarmed = new Set(resourcesOfType(t, 'AWS::CloudWatch::Alarm').flatMap(([, a]) => (a.Properties!.Dimensions ?? []).filter((d: any) => d.Name === 'QueueName').map((d: any) => d.Value['Fn::GetAtt']?.[0])));
    for (const dlq of dlqs) expect(alarmed.has(dlq), `${dlq} has no depth alarm`).toBe(true);
  });

  it('associates the WAF web ACL (managed rule groups and a rate rule) with the API stage', async () => {
    const t = await packagedStacks(stage);
    const association = t.Resources.WebAclAssociation!.Properties!;
    expect(association.WebACLArn).toEqual({ 'Fn::GetAtt': ['WebAcl', 'Arn'] });
    expect(association.ResourceArn['Fn::Sub']).toBe('arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${ApiGatewayRestApi}/stages/${ApiGatewayStage}');
    const rules = t.Resources.WebAcl!.Properties!.Rules as any[];
    expect(rules.map((r) => r.Statement.ManagedRuleGroupStatement?.Name).filter(Boolean).sort()).toEqual(['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesSQLiRuleSet']);
    expect(rules.find((r) => r.Statement.RateBasedStatement)).toMatchObject({ Action: { Block: {} }, Statement: { RateBasedStatement: { AggregateKeyType: 'IP' } } });
    expect(t.Resources.WafLogging).toBeDefined();
  });

  it('throttles /data at 1000 RPS and /secure at 500 RPS with bursts, never caches /secure, traces and logs the stage in JSON', async () => {
    const t = await packagedStacks(stage);
    const s = t.Resources.ApiGatewayStage!.Properties!;
    const deployment = resourcesOfType(t, 'AWS::ApiGateway::Deployment');
    expect(deployment).toHaveLength(1);
    expect(s.DeploymentId).toEqual({ Ref: deployment[0]![0] });
    expect(deployment[0]![1].Properties!.StageName).toBeUndefined();
    expect(s).toMatchObject({ StageName: stage, TracingEnabled: true });
    expect(() => JSON.parse(s.AccessLogSetting.Format)).not.toThrow();
    // CORS preflights (the console's; answered by the gateway itself, cached by browsers) fall under the stage's default throttle.
    const methods = resourcesOfType(t, 'AWS::ApiGateway::Method').filter(([id]) => !id.endsWith('Any') && !id.endsWith('Options'));
    const settings = s.MethodSettings as any[];
    for (const [id, m] of methods) {
      const path = id.includes('Health') ? null : `/~1api~1v1~1${id.includes('Data') ? 'data' : 'secure'}~1entities${id.includes('IdVar') ? '~1{id}' : ''}`;
      if (!path) continue;
      const setting = settings.find((x) => x.ResourcePath === path && x.HttpMethod === m.Properties!.HttpMethod);
      const [rate, burst] = id.includes('Data') ? [1000, 2000] : [500, 1000];
      // The stage cache serves only the /data GETs, and only where the stage turns it on (prod).
      const cached = id.includes('Data') && m.Properties!.HttpMethod === 'GET' && stage === 'prod';
      expect(setting, id).toMatchObject({ ThrottlingRateLimit: rate, ThrottlingBurstLimit: burst, CachingEnabled: cached });
    }
    for (const [id, fn] of lambdaFunctions(t)) expect(fn.Properties!.TracingConfig, id).toEqual({ Mode: 'Active' });
  });
});

describe.each(DEPLOYED_STAGES)('stage sizing and delivery (%s)', (stage) => {
  it('spans 2 AZs (3 in prod) with NAT per AZ in prod, and VPC endpoints for the AWS APIs', async () => {
    const t = await packagedStacks(stage);
    expect(t.Conditions!.ThreeAzs).toEqual({ 'Fn::Equals': [stage === 'prod' ? '3' : '2', '3'] });
    expect(t.Conditions!.NatPerAz).toEqual({ 'Fn::Equals': [stage === 'prod' ? 'perAz' : 'single', 'perAz'] });
    expect(t.Resources.PrivateSubnetC!.Condition).toBe('ThreeAzs');
    // What the platform exports as the private subnets (the application's functions, tasks and broker use them): the private ones only.
    expect(t.Outputs!.PrivateSubnetIds.Value).toEqual({ 'Fn::Join': [',', [{ Ref: 'PrivateSubnetA' }, { Ref: 'PrivateSubnetB' }, { 'Fn::If': ['ThreeAzs', { Ref: 'PrivateSubnetC' }, { Ref: 'AWS::NoValue' }] }]] });
    const endpoints = resourcesOfType(t, 'AWS::EC2::VPCEndpoint').map(([, e]) => `${e.Properties!.VpcEndpointType}:${String(e.Properties!.ServiceName['Fn::Sub']).split('.').pop()}`);
    expect(endpoints.sort()).toEqual(['Gateway:dynamodb', 'Gateway:s3', 'Interface:secretsmanager']);
  });

  it('sizes the database and cache for the stage: Multi-AZ, failover and deletion protection in prod', async () => {
    const t = await packagedStacks(stage);
    const db = t.Resources.Database!;
    expect(db.Properties).toMatchObject({ Engine: 'postgres', EngineVersion: '17', MultiAZ: stage === 'prod', DeletionProtection: stage === 'prod', EnableIAMDatabaseAuthentication: true });
    expect(db.Properties!.BackupRetentionPeriod).toBeGreaterThanOrEqual(stage === 'prod' ? 30 : 1);
    expect(db.DeletionPolicy).toBe(stage === 'dev' ? 'Delete' : 'Snapshot');
    expect(t.Resources.Cache!.Properties).toMatchObject({ Engine: 'valkey', AutomaticFailoverEnabled: stage !== 'dev', MultiAZEnabled: stage !== 'dev', NumCacheClusters: { dev: 1, staging: 2, prod: 3 }[stage] });
  });

  it('runs the worker on Fargate (and Spot) from an immutable, scanned repository, as a non-root, read-only task with its own roles', async () => {
    const t = await packagedStacks(stage);
    expect(t.Resources.WorkerCluster!.Properties!.CapacityProviders).toEqual(['FARGATE', 'FARGATE_SPOT']);
    expect(t.Resources.WorkerCluster!.Properties!.ServiceConnectDefaults).toBeDefined();
    expect(t.Resources.WorkerRepository!.Properties).toMatchObject({ ImageTagMutability: 'IMMUTABLE', ImageScanningConfiguration: { ScanOnPush: true } });
    const task = t.Resources.WorkerTaskDefinition!.Properties!;
    expect(task.ExecutionRoleArn).not.toEqual(task.TaskRoleArn);
    expect(task.ContainerDefinitions[0]).toMatchObject({ User: '1000:1000', ReadonlyRootFilesystem: true, LogConfiguration: { LogDriver: 'awslogs' } });
    expect(t.Resources.WorkerSchedule!.Properties!.Target.EcsParameters.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
    expect(t.Resources.WorkerCpuAlarm!.Properties).toMatchObject({ Threshold: 80, EvaluationPeriods: 2, AlarmActions: [{ Ref: 'AlarmTopic' }] });
  });

  it('deploys every function through its live alias with CodeDeploy (all at once in dev, canary in prod), rolling back on alarms', async () => {
    const t = await packagedStacks(stage);
    const config = { dev: 'CodeDeployDefault.LambdaAllAtOnce', staging: 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute', prod: 'CodeDeployDefault.LambdaCanary10Percent5Minutes' }[stage];
    for (const [id] of lambdaFunctions(t)) {
      const alias = t.Resources[`${id}AliasLive`]!;
      expect(alias.Properties).toMatchObject({ Name: 'live', FunctionName: { Ref: id } });
      expect(alias.UpdatePolicy.CodeDeployLambdaAliasUpdate.DeploymentGroupName).toEqual({ Ref: `${id}DeploymentGroup` });
      const group = t.Resources[`${id}DeploymentGroup`]!.Properties!;
      expect(group.DeploymentConfigName).toBe(config);
      expect(group.AutoRollbackConfiguration).toEqual({ Enabled: true, Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] });
      expect(group.AlarmConfiguration.Alarms).toEqual([{ Name: { Ref: `${id}ErrorsAlarm` } }, { Name: { Ref: `${id}ThrottlesAlarm` } }, { Name: { Ref: 'Api5xxRateAlarm' } }]);
    }
    // Nothing invokes a function except through its alias.
    for (const type of ['AWS::ApiGateway::Method', 'AWS::ApiGateway::Authorizer', 'AWS::Lambda::Permission', 'AWS::Cognito::UserPool']) {
      for (const [id, r] of resourcesOfType(t, type)) expect(JSON.stringify(r.Properties), id).not.toMatch(/"Fn::GetAtt":\["\w+LambdaFunction","Arn"\]/);
    }
  });

  it('alarms on every function, the API, the data stores and the worker, to the encrypted topic, with a dashboard', async () => {
    const t = await packagedStacks(stage);
    const alarms = new Set(resourcesOfType(t, 'AWS::CloudWatch::Alarm').map(([id]) => id));
    for (const [id] of lambdaFunctions(t)) for (const kind of ['Errors', 'Throttles']) expect(alarms.has(`${id}${kind}Alarm`), `${id}${kind}Alarm`).toBe(true);
    for (const id of ['Api5xxRateAlarm', 'ApiLatencyP99Alarm', 'ApiIntegrationLatencyP99Alarm', 'WorkerCpuAlarm', 'DatabaseCpuAlarm', 'DatabaseConnectionsAlarm', 'CacheCpuAlarm', 'CacheEvictionsAlarm', 'ReadModelLagAlarm', 'TableGetItemLatencyAlarm']) expect(alarms.has(id), id).toBe(true);
    for (const [id, a] of resourcesOfType(t, 'AWS::CloudWatch::Alarm')) expect(a.Properties!.AlarmActions, id).toEqual([{ Ref: 'AlarmTopic' }]);
    const body = JSON.parse(t.Resources.Dashboard!.Properties!.DashboardBody['Fn::Sub']);
    const titles = body.widgets.map((w: any) => w.properties.title).join(' | ');
    for (const layer of ['API', 'Lambda', 'DynamoDB', 'RDS', 'Cache', 'ECS', 'Read model']) expect(titles).toContain(layer);
  });
});
