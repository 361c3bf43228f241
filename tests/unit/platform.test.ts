import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// The generator behind per-function alarms, DLQ and stream alarms and the aliases, on templates
// with queues and stream consumers that the service does not have yet (the events issue adds them).
const platform = createRequire(import.meta.url)('../../scripts/serverless/platform.cjs') as {
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
      StreamMapping: { Type: 'AWS::Lambda::EventSourceMapping', Properties: { EventSourceArn: { 'Fn::GetAtt': ['EntitiesTable', 'StreamArn'] }, FunctionName: { 'Fn::GetAtt': ['ProjectLambdaFunction', 'Arn'] } } },
      QueueMapping: { Type: 'AWS::Lambda::EventSourceMapping', Properties: { EventSourceArn: { 'Fn::GetAtt': ['ProjectionQueue', 'Arn'] }, FunctionName: { Ref: 'ProjectLambdaFunction' } } },
      ProjectLogGroup: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/aws/lambda/svc-dev-project' } },
    },
  };
}
const config = { alarmTopic: 'AlarmTopic', encryptionKey: 'PlatformKey', apiStage: 'ApiGatewayStage', deploymentConfig: 'CodeDeployDefault.LambdaAllAtOnce', logRetentionInDays: 14, rollbackAlarms: [], service: 'svc', stage: 'dev', tableName: 'svc-dev-entities' };

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
    expect(t.Resources.ProjectLogGroup.Properties).toMatchObject({ KmsKeyId: { 'Fn::GetAtt': ['PlatformKey', 'Arn'] }, RetentionInDays: 14 });
  });

  it('refuses a function without a published version (aliases need versionFunctions)', () => {
    const t = template();
    delete t.Resources.ProjectLambdaVersionAbc;
    expect(() => platform.applyPlatform(t, [fn], config)).toThrow(/no published version/);
  });
});
