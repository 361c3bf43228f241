import { beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYED_STAGES, OWN_TO_EACH_STACK, packagedNestedStacks, packagedPlatformTemplate, packagedStacks, packagedTemplate, resourcesOfType, type Template } from '../support/packagedStack.ts';
import { StageModel } from '../permissions/stageModel.ts';
import { stageSizes } from '../../scripts/stackSizes.ts';
import { referencedIds } from '../../scripts/lib/packagedStacks.ts';
import { PACKAGED_STAGES_TIMEOUT_MS, packagedStages, testRun } from '../support/testRun.ts';

// The AWS stages are packaged while the stack's tests run; this file runs after them (tests/support/sequencer.ts).
beforeAll(() => packagedStages(), PACKAGED_STAGES_TIMEOUT_MS);

/** CloudFormation's hard limit of resources per stack, and the headroom every stack keeps below it (docs/deploy.md, "Stacks"). */
const STACK_LIMIT = 500;
const STACK_BUDGET = 300;

/** Every `Fn::ImportValue` name in a template (resolved: the packaged templates carry them as strings). */
function importNames(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => importNames(v, into));
  else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Fn::ImportValue') {
        expect(typeof v, `an import's name is a plain string: ${JSON.stringify(v)}`).toBe('string');
        into.push(String(v));
      } else importNames(v, into);
    }
  }
  return into;
}


describe.each(DEPLOYED_STAGES)('the two stacks of %s (docs/deploy.md, "Stacks")', (stage) => {
  it(`keeps every stack under ${STACK_BUDGET} resources: the platform, the application's root and each of its nested stacks (the limit is ${STACK_LIMIT})`, () => {
    const sizes = stageSizes(testRun().packagedDir, stage);
    console.log(`${stage}: resources per stack ${JSON.stringify(sizes)}`);
    expect(Object.keys(sizes.nested).length).toBeGreaterThanOrEqual(29);
    for (const [stack, count] of Object.entries({ platform: sizes.platform, root: sizes.application, ...sizes.nested })) expect(count, stack).toBeLessThan(STACK_BUDGET);
  });

  it('nests each function with what is its own, in a stack of that function, and keeps the API and the shared resources in the root', async () => {
    const { root, nested } = packagedNestedStacks(stage);
    const app = await packagedTemplate(stage);
    // The one-template view holds every resource of every stack, the nested stacks themselves aside.
    const inNested = Object.values(nested).reduce((sum, { template }) => sum + Object.keys(template.Resources).length, 0);
    expect(Object.keys(app.Resources).length).toBe(Object.keys(root.Resources).length - Object.keys(nested).length + inNested);
    expect(resourcesOfType(root, 'AWS::Lambda::Function')).toEqual([]);
    for (const type of ['AWS::ApiGateway::RestApi', 'AWS::ApiGateway::Method', 'AWS::ApiGateway::Resource', 'AWS::ApiGateway::Deployment', 'AWS::ApiGateway::Stage', 'AWS::SQS::Queue', 'AWS::Events::EventBus', 'AWS::S3::Bucket', 'AWS::CodeDeploy::Application']) {
      for (const [stack, { template }] of Object.entries(nested)) expect(resourcesOfType(template, type), `${type} in ${stack}`).toEqual([]);
    }
    for (const [stack, { template }] of Object.entries(nested)) {
      const functions = resourcesOfType(template, 'AWS::Lambda::Function');
      expect(functions.map(([id]) => id), stack).toEqual([stack.replace(/NestedStack$/, 'LambdaFunction')]);
      const [id, fn] = functions[0]!;
      const own = [id, `${id}AliasLive`, `${id}DeploymentGroup`, `${id}ErrorsAlarm`, `${id}ThrottlesAlarm`, String(fn.Properties!.Role['Fn::GetAtt'][0]), ...[fn.DependsOn ?? []].flat().map(String)];
      for (const resource of own) expect(Object.keys(template.Resources), `${stack}: ${resource}`).toContain(resource);
      expect(resourcesOfType(template, 'AWS::Lambda::Version').length, stack).toBe(1);
    }
  });

  it('wires the nested stacks: every parameter given, every output read declared, each template uploaded with the deployment', async () => {
    const { root, nested } = packagedNestedStacks(stage);
    const app = await packagedTemplate(stage);
    // The deployment's folder in the deployment bucket: where `sls deploy` uploads the function code and the nested templates.
    const codeKey = String(app.Resources.HealthLambdaFunction!.Properties!.Code.S3Key);
    const folder = codeKey.slice(0, codeKey.lastIndexOf('/'));
    expect(folder).toMatch(new RegExp(`^serverless/entity-platform/${stage}/\\d+-`));
    const outputsRead = new Map<string, Set<string>>();
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value !== null && typeof value === 'object') {
        const getAtt = (value as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
        if (Array.isArray(getAtt) && String(getAtt[1]).startsWith('Outputs.')) {
          if (!outputsRead.has(String(getAtt[0]))) outputsRead.set(String(getAtt[0]), new Set());
          outputsRead.get(String(getAtt[0]))!.add(String(getAtt[1]).slice('Outputs.'.length));
        }
        Object.values(value).forEach(collect);
      }
    };
    collect(root);
    for (const [stack, { file, template }] of Object.entries(nested)) {
      const properties = root.Resources[stack]!.Properties!;
      expect(properties.TemplateURL, stack).toEqual({ 'Fn::Join': ['/', ['https://s3.eu-west-1.amazonaws.com', { Ref: 'ServerlessDeploymentBucket' }, folder, file]] });
      expect(Object.keys(properties.Parameters ?? {}).sort(), `${stack}: parameters given`).toEqual(Object.keys(template.Parameters ?? {}).sort());
      for (const output of outputsRead.get(stack) ?? []) expect(Object.keys(template.Outputs ?? {}), `${stack}: output ${output}`).toContain(output);
      // A nested stack names nothing of the root but through its parameters.
      const own = new Set([...Object.keys(template.Resources), ...Object.keys(template.Parameters ?? {})]);
      expect([...referencedIds(template.Resources)].filter((id) => !own.has(id) && !id.startsWith('AWS::')), stack).toEqual([]);
    }
    expect([...outputsRead.keys()].filter((stack) => !(stack in nested))).toEqual([]);
  });


  it('imports only what the platform of the same stage exports, and the platform exports nothing the application does not import', async () => {
    const [app, platform] = await Promise.all([packagedTemplate(stage), packagedPlatformTemplate(stage)]);
    const exportsOf = (t: Template) => Object.values(t.Outputs ?? {}).map((o) => String(o.Export?.Name));
    // Serverless exports every output (`sls-<service>-<stage>-<output>` unless named): no name may be exported by both stacks.
    expect(exportsOf(platform).filter((name) => exportsOf(app).includes(name)), 'exported by both stacks').toEqual([]);
    // The contract: `<platform stack>:<name>`; besides it, only the platform's deployment bucket (renamed).
    const contract = `entity-platform-${stage}-platform:`;
    const exported = exportsOf(platform).filter((name) => name.startsWith(contract));
    expect(exportsOf(platform).filter((name) => !name.startsWith(contract))).toEqual([`entity-platform-${stage}-platform-ServerlessDeploymentBucketName`]);
    const imported = new Set(importNames(app));
    expect([...imported].filter((name) => !exported.includes(name)), 'imports without an export').toEqual([]);
    expect(exported.filter((name) => !imported.has(name)), 'exports nothing imports').toEqual([]);
    expect(imported.size).toBeGreaterThanOrEqual(10);
    // The platform stands alone: it imports nothing, and names no resource of the application.
    expect(importNames(platform)).toEqual([]);
  });

  it('declares each resource in one stack only, and the long-lived network, data, keys and identity in the platform', async () => {
    const [app, platform] = await Promise.all([packagedTemplate(stage), packagedPlatformTemplate(stage)]);
    const both = Object.keys(platform.Resources).filter((id) => id in app.Resources && !OWN_TO_EACH_STACK.includes(id));
    expect(both).toEqual([]);
    const types = new Set(Object.values(platform.Resources).map((r) => r.Type));
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::NatGateway', 'AWS::EC2::VPCEndpoint', 'AWS::RDS::DBInstance', 'AWS::RDS::DBProxy', 'AWS::ElastiCache::ReplicationGroup', 'AWS::KMS::Key', 'AWS::Cognito::UserPool', 'AWS::Cognito::UserPoolDomain', 'AWS::Cognito::UserPoolResourceServer', 'AWS::DynamoDB::Table']) {
      expect(types.has(type), type).toBe(true);
      expect(Object.values(app.Resources).some((r) => r.Type === type), `${type} in the application`).toBe(false);
    }
    // The application has functions; the platform none (it deploys without code).
    expect(Object.values(platform.Resources).some((r) => r.Type === 'AWS::Lambda::Function')).toBe(false);
  });

  it('names the application\'s pre-token-generation trigger (its live alias) from the platform\'s user pool, and lets only that pool invoke it', async () => {
    const [app, platform] = await Promise.all([packagedTemplate(stage), packagedPlatformTemplate(stage)]);
    const model = StageModel.load(await packagedStages(), stage);
    const trigger = model.resolve(platform.Resources.UserPool!.Properties!.LambdaConfig.PreTokenGenerationConfig.LambdaArn);
    const alias = app.Resources.PreTokenGenerationLambdaFunctionAliasLive!.Properties!;
    expect(trigger).toBe(`${String(model.attribute('PreTokenGenerationLambdaFunction', 'Arn'))}:${alias.Name}`);
    const permission = app.Resources.PreTokenGenerationInvokePermission!.Properties!;
    expect(permission.FunctionName).toEqual({ Ref: 'PreTokenGenerationLambdaFunctionAliasLive' });
    expect(model.resolve(permission.SourceArn)).toBe(model.attribute('UserPool', 'Arn'));
  });

  it('resolves an import to what the platform exports, and refuses one it does not (as a deploy would)', async () => {
    const model = StageModel.load(await packagedStages(), stage);
    expect(model.resolve({ 'Fn::ImportValue': `entity-platform-${stage}-platform:PlatformKeyArn` })).toBe(model.attribute('PlatformKey', 'Arn'));
    expect(model.target({ 'Fn::ImportValue': `entity-platform-${stage}-platform:EntitiesTableStreamArn` })).toBe('EntitiesTable');
    expect(() => model.resolve({ 'Fn::ImportValue': `entity-platform-${stage}-platform:NoSuchExport` })).toThrow(/does not export/);
    const otherStage = stage === 'dev' ? 'prod' : 'dev';
    expect(() => model.resolve({ 'Fn::ImportValue': `entity-platform-${otherStage}-platform:PlatformKeyArn` })).toThrow(/does not export/);
  });

  it('keeps the data where the stage keeps it, whichever stack it is in', async () => {
    const t = await packagedStacks(stage);
    const keeps = stage === 'prod';
    for (const id of ['EntitiesTable', 'UserPool', 'PlatformKey']) expect([t.Resources[id]!.DeletionPolicy, t.Resources[id]!.UpdateReplacePolicy], id).toEqual(keeps ? ['Retain', 'Retain'] : ['Delete', 'Delete']);
    expect(t.Resources.Database!.DeletionPolicy).toBe(stage === 'dev' ? 'Delete' : 'Snapshot');
  });
});
