import { beforeAll, describe, expect, it } from 'vitest';
import { validateTemplate } from '../support/cloudFormationSpec.ts';
import { DEPLOYED_STAGES, packagedNestedStacks, packagedPlatformTemplate, packagedStacks, packagedTemplate } from '../support/packagedStack.ts';
import { PACKAGED_STAGES_TIMEOUT_MS, packagedStages } from '../support/testRun.ts';

// The AWS stages are packaged while the stack's tests run; this file runs after them (tests/support/sequencer.ts).
beforeAll(() => packagedStages(), PACKAGED_STAGES_TIMEOUT_MS);

describe.each(DEPLOYED_STAGES)('packaged templates (%s) against the CloudFormation resource specification', (stage) => {
  it('has only known types and properties, every required property, and no dangling reference, in each stack', async () => {
    const app = await packagedTemplate(stage);
    const platform = await packagedPlatformTemplate(stage);
    expect(Object.keys(app.Resources).length).toBeGreaterThan(150);
    expect(Object.keys(platform.Resources).length).toBeGreaterThan(40);
    expect(validateTemplate(app)).toEqual([]);
    expect(validateTemplate(platform)).toEqual([]);
    // As deployed: the application's root stack and each nested stack on its own (parameters, conditions, outputs of its own).
    const { root, nested } = packagedNestedStacks(stage);
    expect(validateTemplate(root)).toEqual([]);
    for (const [stack, { template }] of Object.entries(nested)) expect(validateTemplate(template), stack).toEqual([]);
  });
});

describe('the validator itself', () => {
  it('fails on a deliberately broken template, naming every problem', async () => {
    const template = structuredClone(await packagedStacks('dev')) as any;
    const r = template.Resources;
    r.Mystery = { Type: 'AWS::NoSuch::Thing', Properties: {} };
    r.Vpc.Properties.CidrBlok = '10.0.0.0/16';
    delete r.DatabaseProxy.Properties.EngineFamily;
    r.WorkerTaskDefinition.Properties.ContainerDefinitions[0].Imagee = 'x';
    r.Cache.Properties.SecurityGroupIds = [{ Ref: 'MissingSecurityGroup' }];
    r.WafLogging.Properties.ResourceArn = { 'Fn::GetAtt': ['WebAcl', 'NoSuchAttribute'] };
    r.AlarmTopic.Properties.TopicName = { 'Fn::Sub': '${Phantom}-alarms' };
    r.AlarmTopic.Properties.DisplayName = { 'Fn::Sub': '${Vpc.NoSuchAttribute}' };
    r.Database.DependsOn = ['Ghost'];
    r.PublicSubnetC.Condition = 'NoSuchCondition';
    r.Vpc.Properties.EnableDnsSupport = ['not', 'a', 'boolean'];

    const problems = validateTemplate(template);
    const expected = [
      'Resources.Mystery: unknown resource type AWS::NoSuch::Thing',
      'AWS::EC2::VPC has no property CidrBlok',
      'AWS::RDS::DBProxy requires EngineFamily',
      'ContainerDefinition has no property Imagee',
      'Ref names unknown MissingSecurityGroup',
      'AWS::WAFv2::WebACL has no attribute NoSuchAttribute',
      'Fn::Sub variable names unknown Phantom',
      'AWS::EC2::VPC has no attribute NoSuchAttribute',
      'DependsOn names unknown resource Ghost',
      'Condition names unknown condition NoSuchCondition',
      'EnableDnsSupport: must be a boolean, not a list',
    ];
    for (const message of expected) expect(problems.some((p) => p.includes(message)), `${message}\nin:\n${problems.join('\n')}`).toBe(true);
    expect(problems).toHaveLength(expected.length);
  });
});
