import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { mergeNestedStacks, nestedTemplateFile, referencedIds, type StackTemplate } from '../../../../scripts/lib/packagedStacks.ts';

// The application's nested stacks (docs/deploy.md, "Stacks"): our changes to serverless-plugin-split-stacks,
// the map, and the one-template view the template and permission tests read. The real split is
// checked on the packaged stages (tests/infrastructure/stacks.test.ts).
const require = createRequire(import.meta.url);
const NestedStacksPlugin = require('../../../../scripts/serverless/nestedStacksPlugin.cjs') as new (serverless: unknown, options: unknown) => any;
const destination = require('../../../../scripts/serverless/nestedStacks.cjs') as ((resource: { Type: string }) => false | undefined) & { conditionsUsed(resources: unknown): string[] };

function plugin(splitStacks: Record<string, unknown> = {}) {
  const serverless = { version: '3.40.0', getProvider: () => ({ naming: {} }), service: { custom: { splitStacks }, provider: { compiledCloudFormationTemplate: { Resources: {} } } } };
  return new NestedStacksPlugin(serverless, {});
}

describe('the nested stacks plugin', () => {
  it('reads no deployed stack when packaging (no AWS call, so no credentials needed)', async () => {
    const p = plugin();
    p.getStackSummary = () => {
      throw new Error('reached AWS');
    };
    await p.migrateExistingResources();
    expect(p.existingResources).toEqual({});
  });

  it('leaves the template whole where it is switched off (the local stage)', async () => {
    const p = plugin({ enabled: false });
    const template = p.serverless.service.provider.compiledCloudFormationTemplate;
    expect(await p.split()).toBeUndefined();
    expect(p.serverless.service.provider.compiledCloudFormationTemplate).toBe(template);
    expect(p.nestedStacks).toBeUndefined();
  });

  it('passes a condition a moved resource uses inside its properties to its nested stack, as a parameter', () => {
    const p = plugin();
    p.nestedStacks = {
      FnNestedStack: { Parameters: {}, Resources: { Fn: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { ORIGIN: { 'Fn::If': ['HasDomain', 'a', 'b'] } } } } } }, Outputs: {} },
    };
    p.nestedStackResources = { FnNestedStack: { Type: 'AWS::CloudFormation::Stack', Properties: { Parameters: {} } } };
    p.passConditionsUsed();
    expect(p.nestedStacks.FnNestedStack.Parameters).toEqual({ HasDomainIsMetParameter: { Type: 'String' } });
    expect(p.nestedStacks.FnNestedStack.Conditions).toEqual({ HasDomain: { 'Fn::Equals': [{ Ref: 'HasDomainIsMetParameter' }, 'true'] } });
    expect(p.nestedStackResources.FnNestedStack.Properties.Parameters).toEqual({ HasDomainIsMetParameter: { 'Fn::If': ['HasDomain', 'true', 'false'] } });
  });

  it('keeps the REST API in the root stack and lets the per-function strategy place the rest', () => {
    expect(destination({ Type: 'AWS::ApiGateway::Method' })).toBe(false);
    expect(destination({ Type: 'AWS::ApiGateway::RestApi' })).toBe(false);
    expect(destination({ Type: 'AWS::Lambda::Function' })).toBeUndefined();
    expect(destination.conditionsUsed({ A: { Properties: { X: { 'Fn::If': ['C1', 1, 2] }, Policy: { Condition: { StringEquals: {} } } } }, B: { Condition: 'Own', Properties: { Y: { 'Fn::And': [{ Condition: 'C2' }] } } } })).toEqual(['C1', 'C2']);
  });
});

describe('the application as one template', () => {
  // What the plugin writes: a root with the nested stack, and the nested template with its parameters and outputs.
  const root = (): StackTemplate => ({
    Conditions: { HasDomain: { 'Fn::Equals': ['', ''] } },
    Resources: {
      Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
      Api: { Type: 'AWS::ApiGateway::Method', DependsOn: ['FnNestedStack'], Properties: { Uri: { 'Fn::GetAtt': ['FnNestedStack', 'Outputs.FnAlias'] } } },
      Deployment: { Type: 'AWS::ApiGateway::Deployment', DependsOn: ['FnNestedStack'], Properties: {} },
      Migrations: { Type: 'Custom::Migrations', DependsOn: [], Properties: {} },
      FnNestedStack: {
        Type: 'AWS::CloudFormation::Stack',
        DependsOn: ['Queue', 'Migrations'],
        Properties: {
          Parameters: { QueueArnParameter: { 'Fn::GetAtt': ['Queue', 'Arn'] }, HasDomainIsMetParameter: { 'Fn::If': ['HasDomain', 'true', 'false'] } },
          TemplateURL: { 'Fn::Join': ['/', ['https://s3.eu-west-1.amazonaws.com', { Ref: 'ServerlessDeploymentBucket' }, 'serverless/svc/dev/1-x', 'cloudformation-template-Fn-nested-stack.json']] },
        },
      },
    },
    Outputs: { FnArn: { Value: { 'Fn::GetAtt': ['FnNestedStack', 'Outputs.FnAlias'] } } },
  });
  const nested = (): StackTemplate => ({
    Parameters: { QueueArnParameter: { Type: 'String' }, HasDomainIsMetParameter: { Type: 'String' } },
    Conditions: { HasDomain: { 'Fn::Equals': [{ Ref: 'HasDomainIsMetParameter' }, 'true'] } },
    Resources: {
      Fn: { Type: 'AWS::Lambda::Function', DependsOn: [], Properties: { Queue: { Ref: 'QueueArnParameter' }, Origin: { 'Fn::If': ['HasDomain', 'x', { 'Fn::Sub': ['https://${Queue_QueueName}/${AWS::Region}', { Queue_QueueName: { 'Fn::GetAtt': ['Queue', 'QueueName'] } }] }] } } },
      FnAlias: { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'Fn' } } },
    },
    Outputs: { FnAlias: { Value: { Ref: 'FnAlias' } } },
  });

  it('puts the nested resources beside the root\'s, with the references they stand for', () => {
    const t = mergeNestedStacks({ root: root(), nested: { FnNestedStack: { file: 'cloudformation-template-Fn-nested-stack.json', template: nested() } } });
    expect(Object.keys(t.Resources).sort()).toEqual(['Api', 'Deployment', 'Fn', 'FnAlias', 'Migrations', 'Queue']);
    expect(t.Resources.Fn!.Properties).toEqual({ Queue: { 'Fn::GetAtt': ['Queue', 'Arn'] }, Origin: { 'Fn::If': ['HasDomain', 'x', { 'Fn::Sub': 'https://${Queue.QueueName}/${AWS::Region}' }] } });
    expect(t.Resources.Api!.Properties).toEqual({ Uri: { Ref: 'FnAlias' } });
    expect(t.Outputs).toEqual({ FnArn: { Value: { Ref: 'FnAlias' } } });
    expect(t.Conditions).toEqual(root().Conditions);
  });

  it('keeps each dependency on a nested stack that no reference implies, as one on each of its resources', () => {
    const t = mergeNestedStacks({ root: root(), nested: { FnNestedStack: { file: 'f.json', template: nested() } } });
    expect(t.Resources.Api!.DependsOn).toBeUndefined(); // its Uri names the stack's alias
    expect(t.Resources.Deployment!.DependsOn).toEqual(['Fn', 'FnAlias']);
    expect(t.Resources.Migrations!.DependsOn).toBeUndefined();
    // The stack waits for the migrations, which none of its parameters names: so does each resource in it.
    expect(t.Resources.Fn!.DependsOn).toEqual(['Migrations']);
    expect(t.Resources.FnAlias!.DependsOn).toEqual(['Migrations']);
  });

  it('refuses a parameter the root does not give, an output the nested stack does not declare, a condition of its own', () => {
    const ungiven = root();
    delete (ungiven.Resources.FnNestedStack!.Properties!['Parameters'] as Record<string, unknown>)['QueueArnParameter'];
    expect(() => mergeNestedStacks({ root: ungiven, nested: { FnNestedStack: { file: 'f.json', template: nested() } } })).toThrow(/gives no value for QueueArnParameter/);
    const unknownOutput = root();
    unknownOutput.Resources.Api!.Properties = { Uri: { 'Fn::GetAtt': ['FnNestedStack', 'Outputs.Nothing'] } };
    expect(() => mergeNestedStacks({ root: unknownOutput, nested: { FnNestedStack: { file: 'f.json', template: nested() } } })).toThrow(/no such output/);
    const ownCondition = nested();
    ownCondition.Conditions = { Other: { 'Fn::Equals': ['a', 'b'] } };
    expect(() => mergeNestedStacks({ root: root(), nested: { FnNestedStack: { file: 'f.json', template: ownCondition } } })).toThrow(/condition Other is not the root's/);
  });

  it('reads the template file a nested stack names, and the resources a value references', () => {
    expect(nestedTemplateFile(root().Resources.FnNestedStack!)).toBe('cloudformation-template-Fn-nested-stack.json');
    expect([...referencedIds({ a: { Ref: 'X' }, b: { 'Fn::GetAtt': ['Y', 'Arn'] }, c: { 'Fn::Sub': '${Z.Name}-${AWS::Region}' }, d: { 'Fn::Sub': ['${V}', { V: 'v' }] } })].sort()).toEqual(['X', 'Y', 'Z']);
  });
});
