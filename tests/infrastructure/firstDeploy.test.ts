import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cloudFormationTags } from '../../scripts/lib/cloudFormationYaml.ts';
import { PROJECT_ROOT } from '../../scripts/lib/localStack.ts';
import { validateTemplate } from '../support/cloudFormationSpec.ts';
import { DEPLOYED_STAGES, packagedPlatformTemplate, packagedStacks, packagedTemplate, resourcesOfType, type Template } from '../support/packagedStack.ts';
import { TEST_ALARM_ENDPOINT } from '../support/packageStage.ts';
import { PACKAGED_STAGES_TIMEOUT_MS, packagedStages } from '../support/testRun.ts';

// The AWS stages are packaged while the stack's tests run; this file runs after them (tests/support/sequencer.ts).
beforeAll(() => packagedStages(), PACKAGED_STAGES_TIMEOUT_MS);

const { migrationsChecksum } = createRequire(import.meta.url)('../../scripts/lib/serverlessVariables.cjs') as { migrationsChecksum: () => string };

interface Statement { Sid?: string; Effect: string; Principal?: any; Action: string | string[]; Resource?: unknown; Condition?: any }
const actionsOf = (s: Statement) => [s.Action].flat();
const CRYPTO = /^kms:(Encrypt|Decrypt|ReEncrypt|GenerateDataKey|Sign|Verify|GenerateMac|VerifyMac|CreateGrant|\*)/;
/** The platform's key, as the application stack names it (an import of the platform's export). */
const keyArn = (stage: string) => ({ 'Fn::ImportValue': `entity-platform-${stage}-platform:PlatformKeyArn` });
const VIA_DYNAMODB = { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'dynamodb.${AWS::Region}.amazonaws.com' } } };

function policyStatements(template: Template, roleId: string): Statement[] {
  return (template.Resources[roleId]?.Properties?.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement);
}
const namesTable = (s: Statement) => JSON.stringify(s.Resource ?? '').includes('EntitiesTable');

describe.each(DEPLOYED_STAGES)('first deploy: the packaged template (%s)', (stage) => {
  it('lets every role that reads or writes the table use the platform key through DynamoDB only, and names no TransactWriteItems action', async () => {
    const t = await packagedTemplate(stage);
    const roles = resourcesOfType(t, 'AWS::IAM::Role').filter(([id]) => policyStatements(t, id).some((s) => namesTable(s) && actionsOf(s).some((a) => /^dynamodb:(GetItem|PutItem|UpdateItem|DeleteItem|Query|Scan|BatchWriteItem)$/.test(a))));
    expect(roles.map(([id]) => id).sort()).toEqual(expect.arrayContaining(['CreateEntityRole', 'GetEntityRole', 'ListEntitiesRole', 'ReplaceEntityRole', 'PatchEntityRole', 'DeleteEntityRole', 'GetEntityHistoryRole', 'RecordEntityAuditRole', 'ReconcileReadModelRole', 'StartJobRole', 'CreateJobRole', 'GetJobRole', 'GetJobFileRole', 'WorkerTaskRole']));
    for (const [id] of roles) {
      const key = policyStatements(t, id).find((s) => JSON.stringify(s.Condition) === JSON.stringify(VIA_DYNAMODB));
      expect(key, id).toMatchObject({ Effect: 'Allow', Resource: keyArn(stage) });
      expect(actionsOf(key!).sort(), id).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    }
    expect(JSON.stringify(t.Resources)).not.toContain('dynamodb:TransactWriteItems');
  });

  it('keeps the key administrable by the account without letting anyone use it except through the named services', async () => {
    const t = await packagedPlatformTemplate(stage);
    const statements = t.Resources.PlatformKey!.Properties!.KeyPolicy.Statement as Statement[];
    const root = { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } };
    const admin = statements.find((s) => s.Sid === 'AccountAdministration')!;
    expect(admin.Principal).toEqual(root);
    expect(admin.Condition).toBeUndefined();
    // No lockout: the account can always change the policy, tags, rotation and delete the key.
    expect(actionsOf(admin)).toEqual(expect.arrayContaining(['kms:PutKeyPolicy', 'kms:GetKeyPolicy', 'kms:DescribeKey', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion', 'kms:TagResource', 'kms:EnableKeyRotation']));
    expect(actionsOf(admin).filter((a) => CRYPTO.test(a))).toEqual([]);
    // Every statement that lets the account's principals use the key goes through a named service.
    for (const s of statements.filter((x) => JSON.stringify(x.Principal) === JSON.stringify(root) && actionsOf(x).some((a) => CRYPTO.test(a)))) {
      expect(s.Condition?.StringEquals?.['kms:ViaService'], s.Sid).toEqual(expect.arrayContaining([{ 'Fn::Sub': 'dynamodb.${AWS::Region}.amazonaws.com' }, { 'Fn::Sub': 's3.${AWS::Region}.amazonaws.com' }]));
    }
    // CloudWatch may publish alarms into the encrypted topic.
    const publishers = statements.find((s) => JSON.stringify(s.Principal).includes('cloudwatch.amazonaws.com'))!;
    expect(actionsOf(publishers).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(publishers.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
  });

  it('migrates the read model on every deploy that changes a migration, before anything reads the schema', async () => {
    const t = await packagedTemplate(stage);
    const migrations = t.Resources.ReadModelMigrations!;
    expect(migrations.Type).toBe('Custom::ReadModelMigrations');
    expect(migrations.Properties).toEqual({ ServiceToken: { 'Fn::GetAtt': ['MigrateLambdaFunction', 'Arn'] }, ServiceTimeout: 600, Migrations: migrationsChecksum() });
    // The database path (proxy, target, endpoint parameter, private routes) is the platform stack's,
    // deployed before this one; the migrate function imports the proxy and the private subnets.
    expect(migrations.DependsOn).toBeUndefined();
    const migrate = t.Resources.MigrateLambdaFunction!.Properties!;
    expect(JSON.stringify(migrate.VpcConfig)).toContain(`entity-platform-${stage}-platform:PrivateSubnetIds`);
    expect(JSON.stringify(t.Resources.MigrateRole!.Properties!.Policies)).toContain(`entity-platform-${stage}-platform:DatabaseProxyResourceId`);
    for (const reader of ['SearchEntitiesLambdaFunctionAliasLive', 'EntityStatsLambdaFunctionAliasLive', 'ProjectEntityEventsLambdaFunctionAliasLive', 'ReconcileReadModelLambdaFunctionAliasLive', 'WorkerTaskDefinition']) {
      expect([t.Resources[reader]!.DependsOn].flat(), reader).toContain('ReadModelMigrations');
    }
  });

  it('subscribes the stage\'s alarm endpoint to the alarm topic (prod has one), and sends sign-ins to localhost only in dev', async () => {
    const t = await packagedTemplate(stage);
    if (stage === 'prod') expect(t.Resources.AlarmSubscription!.Properties).toEqual({ TopicArn: { Ref: 'AlarmTopic' }, Protocol: 'email', Endpoint: TEST_ALARM_ENDPOINT });
    else expect(t.Resources.AlarmSubscription).toBeUndefined();
    const client = t.Resources.UserAppClient!.Properties!;
    for (const urls of [client.CallbackURLs, client.LogoutURLs]) {
      expect(urls[0]).toEqual({ 'Fn::If': ['HasConsoleDomain', expect.stringMatching(/^https:\/\//), { 'Fn::Sub': 'https://${ConsoleDistribution.DomainName}/' }] });
      expect(JSON.stringify(urls).includes('localhost'), stage).toBe(stage === 'dev');
    }
  });

  it('throttles every /api/v1/secure method at 500 RPS and every /api/v1/data GET at 1000 RPS; the per-IP WAF rule lets one client at those rates through', async () => {
    const t = await packagedTemplate(stage);
    const settings = t.Resources.ApiGatewayStage!.Properties!.MethodSettings as any[];
    const methods = resourcesOfType(t, 'AWS::ApiGateway::Method').filter(([, m]) => !['OPTIONS', 'ANY'].includes(m.Properties!.HttpMethod));
    const secure = settings.filter((s) => s.ResourcePath.startsWith('/~1api~1v1~1secure~1'));
    const data = settings.filter((s) => s.ResourcePath.startsWith('/~1api~1v1~1data~1'));
    expect(secure.length + data.length).toBe(methods.filter(([id]) => /Secure|Data/.test(id)).length);
    expect(secure.length).toBeGreaterThanOrEqual(13);
    for (const s of secure) expect(s, s.ResourcePath).toMatchObject({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000, CachingEnabled: false });
    for (const s of data) expect(s, s.ResourcePath).toMatchObject({ HttpMethod: 'GET', ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 });
    const rules = t.Resources.WebAcl!.Properties!.Rules as any[];
    const everyone = rules.find((r) => r.Name === 'rate-limit-per-ip').Statement.RateBasedStatement;
    expect(everyone.ScopeDownStatement).toBeUndefined();
    expect(Number(everyone.Limit)).toBeGreaterThanOrEqual((1000 + 500) * 300);
    const anonymous = rules.find((r) => r.Name === 'rate-limit-anonymous-per-ip').Statement.RateBasedStatement;
    expect(anonymous.ScopeDownStatement.NotStatement.Statement.SizeConstraintStatement.FieldToMatch).toEqual({ SingleHeader: { Name: 'authorization' } });
    expect(Number(anonymous.Limit)).toBeLessThan(Number(everyone.Limit));
  });

  it('is removable where it keeps no data (dev), and keeps the data where it does (prod)', async () => {
    const t = await packagedStacks(stage);
    const keeps = stage === 'prod';
    expect(t.Resources.WorkerRepository!.Properties!.EmptyOnDelete, 'the image repository is emptied on delete').toBe(!keeps);
    // The jobs bucket holds tenants' files: retained on purpose in every stage (its lifecycle expires them).
    expect(t.Resources.JobsBucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    for (const id of ['EntitiesTable', 'UserPool', 'PlatformKey']) {
      expect(t.Resources[id]!.DeletionPolicy, id).toBe(keeps ? 'Retain' : 'Delete');
      expect(t.Resources[id]!.UpdateReplacePolicy, id).toBe(keeps ? 'Retain' : 'Delete');
    }
    expect(t.Resources.Database!.DeletionPolicy).toBe(stage === 'dev' ? 'Delete' : 'Snapshot');
    // Nothing else that CloudFormation cannot delete when it holds data: `sls remove` empties the
    // console's bucket (consolePlugin.cjs) and its own deployment bucket first.
    const buckets = resourcesOfType(t, 'AWS::S3::Bucket').map(([id]) => id).sort();
    expect(buckets).toEqual(['ConsoleBucket', 'JobsBucket', 'ServerlessDeploymentBucket']);
    // The platform stack holds no bucket but its deployment bucket (which `sls remove` empties).
    expect(resourcesOfType(await packagedPlatformTemplate(stage), 'AWS::S3::Bucket').map(([id]) => id)).toEqual(['ServerlessDeploymentBucket']);
  });
});

describe('the account-level prerequisite (resources/account/api-gateway-logging.yml)', () => {
  it('is a valid template: the API Gateway CloudWatch role, trusted by API Gateway of this account only, set on the account', async () => {
    const template = parse(await readFile(join(PROJECT_ROOT, 'resources', 'account', 'api-gateway-logging.yml'), 'utf8'), { customTags: cloudFormationTags }) as Template;
    expect(validateTemplate(template)).toEqual([]);
    expect(template.Resources.ApiGatewayAccount!.Properties).toEqual({ CloudWatchRoleArn: { 'Fn::GetAtt': ['ApiGatewayCloudWatchRole', 'Arn'] } });
    const role = template.Resources.ApiGatewayCloudWatchRole!;
    expect(role.DeletionPolicy).toBe('Retain');
    expect(role.Properties!.AssumeRolePolicyDocument.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }]);
    expect(role.Properties!.ManagedPolicyArns).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs' }]);
  });
});
