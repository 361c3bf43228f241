import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../scripts/lib/localStack.ts';
import { settingServiceOf } from './awsRequests.ts';
import { packagedStages } from '../support/testRun.ts';
import { recordedCalls } from './recordedCalls.ts';
import { REGION, StageModel } from './stageModel.ts';

/**
 * The network matches the calls: every AWS service a function in the VPC or the worker (private
 * subnets) calls is reached through a VPC endpoint, or through the NAT for a reason
 * docs/infrastructure.md gives; no endpoint is there that nothing calls. The calls are the ones recorded during the stack
 * suite, the settings the callers' environment names (read in AWS mode only), and what Fargate
 * does for the worker's task (image pull, logs).
 */
const packagedDir = await packagedStages();
const calls = recordedCalls();
const local = StageModel.load(packagedDir, 'local');
/** Where the network's reasons are written ("Which functions run in the VPC"). */
const NETWORK_DOC = readFileSync(join(PROJECT_ROOT, 'docs', 'infrastructure.md'), 'utf8');

/** The endpoint service name of each SDK client the recorder names. */
const SERVICE_OF: Record<string, string | undefined> = {
  DynamoDB: 'dynamodb', EventBridge: 'events', ECS: 'ecs', S3: 's3', SSM: 'ssm', SecretsManager: 'secretsmanager',
  RDS: undefined, // RDS Proxy is inside the VPC
};

/** Services reached through the NAT on purpose, each with the sentence of docs/infrastructure.md that says why. */
const THROUGH_NAT: Record<string, string> = {
  ssm: 'SSM has no VPC endpoint here',
  'ecr.api': 'The worker pulls its image and ships its logs through the NAT',
  'ecr.dkr': 'The worker pulls its image and ships its logs through the NAT',
  logs: 'The worker pulls its image and ships its logs through the NAT',
};

describe.each(['dev', 'prod'])('VPC endpoints of the %s stage', (stageName) => {
  const stage = StageModel.load(packagedDir, stageName);
  const inVpc = new Set(local.resources('AWS::Lambda::Function').filter(([id]) => stage.resource(id).Properties?.['VpcConfig'] !== undefined).map(([id]) => local.physicalName(id)));

  /** Service → who needs it, from the recorded calls and the callers' configuration. */
  function needed(): Map<string, Set<string>> {
    const needs = new Map<string, Set<string>>();
    const add = (service: string, who: string) => needs.set(service, (needs.get(service) ?? new Set()).add(who));
    for (const call of calls) {
      const service = SERVICE_OF[call.service];
      if (service && (call.caller === 'worker' || inVpc.has(call.caller))) add(service, call.caller);
    }
    const settings = (variables: Record<string, unknown>, who: string) => {
      for (const name of Object.keys(variables)) {
        const service = settingServiceOf(name);
        if (service) add(service, who);
      }
    };
    for (const [id, fn] of stage.resources('AWS::Lambda::Function')) {
      if (fn.Properties?.['VpcConfig']) settings((stage.resolve(fn.Properties['Environment'] ?? null) as { Variables?: Record<string, unknown> })?.Variables ?? {}, id);
    }
    for (const [id, task] of stage.resources('AWS::ECS::TaskDefinition')) {
      for (const container of stage.resolve(task.Properties?.['ContainerDefinitions'] ?? null) as { Image?: string; Environment?: { Name: string; Value: unknown }[]; LogConfiguration?: { LogDriver?: string } }[]) {
        settings(Object.fromEntries((container.Environment ?? []).map((e) => [e.Name, e.Value])), id);
        // Fargate pulls a private ECR image (its layers from S3) and ships awslogs to CloudWatch Logs.
        if (String(container.Image).includes('.dkr.ecr.')) ['ecr.api', 'ecr.dkr', 's3'].forEach((s) => add(s, `${id} (image pull)`));
        if (container.LogConfiguration?.LogDriver === 'awslogs') add('logs', `${id} (awslogs)`);
      }
    }
    return needs;
  }

  const endpoints = stage.resources('AWS::EC2::VPCEndpoint').map(([id]) => ({ id, service: String(stage.property(id, 'ServiceName')).replace(`com.amazonaws.${REGION}.`, '') }));

  it('reaches every service a VPC caller uses through an endpoint, or through the NAT for a reason docs/infrastructure.md gives', () => {
    const needs = needed();
    expect(needs.get('dynamodb')?.size, 'no VPC caller of DynamoDB was recorded: is the call log complete?').toBeGreaterThan(0);
    const missing = [...needs].filter(([service]) => !endpoints.some((e) => e.service === service) && !(service in THROUGH_NAT)).map(([service, who]) => `${service} (${[...who].join(', ')})`);
    expect(missing).toEqual([]);
    for (const [service, reason] of Object.entries(THROUGH_NAT)) {
      if (needs.has(service)) expect(NETWORK_DOC, `docs/infrastructure.md must say why ${service} goes through the NAT`).toContain(reason);
    }
  });

  it('has no endpoint that nothing in the VPC calls', () => {
    const needs = needed();
    expect(endpoints.filter((e) => !needs.has(e.service)).map((e) => `${e.id} (${e.service})`)).toEqual([]);
  });
});
