import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// The generator behind per-function alarms, DLQ and stream alarms and the aliases, on templates
// with queues and stream consumers that the service does not have yet (the events issue adds them).
const platform = createRequire(import.meta.url)('../../../../scripts/serverless/platform.cjs') as {
  applyPlatform(template: any, functions: any[], config: any): any;
};

const fn = { name: 'project', logicalId: 'ProjectLambdaFunction', functionName: 'svc-dev-project' };
function template(): any {
  return {
    Resources: {
      ProjectLambdaFunction: { Type: 'AWS::Lambda::Function', Properties: {} },
      ProjectLambdaVersionAbc: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'ProjectLambdaFunction' } } },
      ProjectionQueue: { Type: 'AWS::SQS::Queue', Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['ProjectionDlq', 'Arn'] }, maxReceiveCount: 5 } } },
      ProjectionDlq: { Type: 'AWS::SQS::Queue', Properties: {} },
      StreamMapping: { Type: 'AWS::Lambda::EventSourceMapping', Properties: { EventSourceArn: { 'Fn::ImportValue': 'svc-dev-platform:EntitiesTableStreamArn' }, StartingPosition: 'TRIM_HORIZON', FunctionName: { 'Fn::GetAtt': ['ProjectLambdaFunction', 'Arn'] } } },
      QueueMapping: { Type: 'AWS::Lambda::EventSourceMapping', Properties: { EventSourceArn: { 'Fn::GetAtt': ['ProjectionQueue', 'Arn'] }, FunctionName: { Ref: 'ProjectLambdaFunction' } } },
      ProjectLogGroup: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/aws/lambda/svc-dev-project' } },
    },
  };
}
const config = { alarmTopic: 'AlarmTopic', encryptionKeyArn: { 'Fn::ImportValue': 'svc-dev-platform:PlatformKeyArn' }, apiStage: 'ApiGatewayStage', deploymentConfig: 'CodeDeployDefault.LambdaAllAtOnce', logRetentionInDays: 14, rollbackAlarms: [], service: 'svc', stage: 'dev', tableName: 'svc-dev-entities' };

describe('platform template generator', () => {
  it('alarms on each DLQ (not on the source queue) and on the stream consumer iterator age', () => {
    const t = platform.applyPlatform(template(), [fn], config);
    expect(t.Resources.ProjectionDlqDepthAlarm.Properties).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0, Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['ProjectionDlq', 'QueueName'] } }] });
    expect(t.Resources.ProjectionQueueDepthAlarm).toBeUndefined();
    expect(t.Resources.ProjectLambdaFunctionIteratorAgeAlarm.Properties).toMatchObject({ MetricName: 'IteratorAge', Dimensions: [{ Name: 'FunctionName', Value: 'svc-dev-project' }] });
  });

  it('points event sources at the live alias and encrypts log groups', () => {
    const t = platform.applyPlatform(template(), [fn], config);
    expect(t.Resources.StreamMapping.Properties.FunctionName).toEqual({ Ref: 'ProjectLambdaFunctionAliasLive' });
    expect(t.Resources.QueueMapping.Properties.FunctionName).toEqual({ Ref: 'ProjectLambdaFunctionAliasLive' });
    expect(t.Resources.ProjectLambdaFunctionAliasLive.Properties.FunctionVersion).toEqual({ 'Fn::GetAtt': ['ProjectLambdaVersionAbc', 'Version'] });
    // The alias goes to its function's nested stack, the CodeDeploy application stays in the root: the update policy names it by its name.
    expect(t.Resources.CodeDeployApplication.Properties).toEqual({ ApplicationName: 'svc-dev', ComputePlatform: 'Lambda' });
    expect(t.Resources.ProjectLambdaFunctionAliasLive.UpdatePolicy).toEqual({ CodeDeployLambdaAliasUpdate: { ApplicationName: 'svc-dev', DeploymentGroupName: { Ref: 'ProjectLambdaFunctionDeploymentGroup' } } });
    expect(t.Resources.ProjectLambdaFunctionDeploymentGroup.Properties.ApplicationName).toEqual({ Ref: 'CodeDeployApplication' });
    expect(t.Resources.ProjectLogGroup.Properties).toMatchObject({ KmsKeyId: { 'Fn::ImportValue': 'svc-dev-platform:PlatformKeyArn' }, RetentionInDays: 14 });
  });

  it('refuses a function without a published version (aliases need versionFunctions)', () => {
    const t = template();
    delete t.Resources.ProjectLambdaVersionAbc;
    expect(() => platform.applyPlatform(t, [fn], config)).toThrow(/no published version/);
  });
});

describe('per-tenant usage plans (issue 18)', () => {
  const { tenantUsagePlans } = createRequire(import.meta.url)('../../../../scripts/serverless/platform.cjs') as { tenantUsagePlans: (template: any, usage: any, apiStage: string) => void };
  const api = (): any => ({
    Resources: {
      ApiGatewayRestApi: { Type: 'AWS::ApiGateway::RestApi', Properties: {} },
      SecureGet: { Type: 'AWS::ApiGateway::Method', Properties: { AuthorizationType: 'CUSTOM' } },
      DataGet: { Type: 'AWS::ApiGateway::Method', Properties: { AuthorizationType: 'NONE' } },
    },
  });

  it('takes API keys from the authorizer, requires one on every method behind it, and throttles each tenant by its plan', () => {
    const t = api();
    tenantUsagePlans(t, { keyPrefix: 'svc-dev-tenant-', default: { rate: '50', burst: '100' }, tenants: ['platform', 'big'], overrides: { 'big': { rate: 500, burst: 1000 }, 'a-b': { rate: 5, burst: 10 } } }, 'ApiGatewayStage');
    const r = t.Resources;
    expect(r.ApiGatewayRestApi.Properties.ApiKeySourceType).toBe('AUTHORIZER');
    expect(r.SecureGet.Properties.ApiKeyRequired).toBe(true);
    expect(r.DataGet.Properties.ApiKeyRequired).toBeUndefined();
    expect(r.TenantUsagePlanDefault.Properties).toMatchObject({ Throttle: { RateLimit: 50, BurstLimit: 100 }, ApiStages: [{ ApiId: { Ref: 'ApiGatewayRestApi' }, Stage: { Ref: 'ApiGatewayStage' } }] });
    expect(r.TenantApiKeyplatform.Properties).toMatchObject({ Value: 'svc-dev-tenant-platform', Enabled: true });
    expect(r.TenantUsagePlanKeyplatform.Properties).toEqual({ KeyId: { Ref: 'TenantApiKeyplatform' }, KeyType: 'API_KEY', UsagePlanId: { Ref: 'TenantUsagePlanDefault' } });
    // An override: a plan of its own (and its key only there, even when also listed as a default tenant).
    expect(r.TenantUsagePlanbig.Properties.Throttle).toEqual({ RateLimit: 500, BurstLimit: 1000 });
    expect(r.TenantUsagePlanKeybig.Properties.UsagePlanId).toEqual({ Ref: 'TenantUsagePlanbig' });
    expect(r['TenantApiKeyax2db'].Properties.Value).toBe('svc-dev-tenant-a-b');
    expect(t.Outputs.TenantUsagePlanDefaultId.Value).toEqual({ Ref: 'TenantUsagePlanDefault' });
  });
});
