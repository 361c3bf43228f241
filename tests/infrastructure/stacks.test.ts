import { beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYED_STAGES, OWN_TO_EACH_STACK, packagedPlatformTemplate, packagedStacks, packagedTemplate, type Template } from '../support/packagedStack.ts';
import { StageModel } from '../permissions/stageModel.ts';
import { resourceCount } from '../../scripts/stackSizes.ts';
import { PACKAGED_STAGES_TIMEOUT_MS, packagedStages } from '../support/testRun.ts';

// The AWS stages are packaged while the stack's tests run; this file runs after them (tests/support/sequencer.ts).
beforeAll(() => packagedStages(), PACKAGED_STAGES_TIMEOUT_MS);

/** CloudFormation's hard limit of resources per stack, and the headroom the stacks keep below it (docs/deploy.md, "Stacks"). */
const STACK_LIMIT = 500;
const PLATFORM_BUDGET = 300;
const APPLICATION_BUDGET = 450;

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
  it(`keeps the platform under ${PLATFORM_BUDGET} resources and the application under ${APPLICATION_BUDGET} (the limit is ${STACK_LIMIT})`, async () => {
    const [app, platform] = await Promise.all([packagedTemplate(stage), packagedPlatformTemplate(stage)]);
    const counts = { platform: resourceCount(platform), application: resourceCount(app) };
    console.log(`${stage}: resources per stack ${JSON.stringify(counts)}`);
    expect(counts.platform).toBeLessThan(PLATFORM_BUDGET);
    expect(counts.application).toBeLessThan(APPLICATION_BUDGET);
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
