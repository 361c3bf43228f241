import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIME_SCALE, redeliveryDelayMs } from '../../scripts/lib/localEvents.ts';
import { parseCacheConfig } from '../../src/config/cacheConfig.ts';
import { DEPLOYED_STAGES, packagedTemplate, resourcesOfType } from '../support/packagedStack.ts';
import { PACKAGED_STAGES_TIMEOUT_MS, packagedStages } from '../support/testRun.ts';

// The AWS stages are packaged while the stack's tests run; this file runs after them (tests/support/sequencer.ts).
beforeAll(() => packagedStages(), PACKAGED_STAGES_TIMEOUT_MS);

const CACHED_METHODS: Record<string, string[]> = {
  ApiGatewayMethodApiV1DataEntitiesGet: ['method.request.querystring.name', 'method.request.querystring.limit', 'method.request.querystring.cursor'],
  ApiGatewayMethodApiV1DataEntitiesIdVarGet: ['method.request.path.id'],
};
const CACHE_FUNCTIONS = ['CreateEntity', 'GetEntity', 'ListEntities', 'ReplaceEntity', 'PatchEntity', 'DeleteEntity', 'InvalidateEntityCache'].map((n) => `${n}LambdaFunction`);

describe.each(DEPLOYED_STAGES)('the cache in the template (%s)', (stage) => {
  it('caches the /api/v1/data GETs at the stage for 60 s, keyed per path, query and caller, in prod only; never /api/v1/secure', async () => {
    const t = await packagedTemplate(stage);
    const s = t.Resources.ApiGatewayStage!.Properties!;
    const on = stage === 'prod';
    expect(s.CacheClusterEnabled).toBe(on);
    for (const path of ['/~1api~1v1~1data~1entities', '/~1api~1v1~1data~1entities~1{id}']) {
      expect(s.MethodSettings.find((m: any) => m.ResourcePath === path && m.HttpMethod === 'GET'), path).toMatchObject({ CachingEnabled: on, CacheTtlInSeconds: 60, CacheDataEncrypted: true });
    }
    for (const m of s.MethodSettings as any[]) if (!String(m.ResourcePath).includes('data')) expect(m.CachingEnabled, m.ResourcePath).toBe(false);

    for (const [id, method] of resourcesOfType(t, 'AWS::ApiGateway::Method')) {
      const keys = method.Properties!.Integration?.CacheKeyParameters;
      if (!CACHED_METHODS[id]) {
        expect(keys, `${id} must not be cached`).toBeUndefined();
        continue;
      }
      const expected = [...CACHED_METHODS[id], 'method.request.header.Authorization', 'method.request.header.If-None-Match'];
      expect([...keys].sort(), id).toEqual([...expected].sort());
      for (const key of expected) expect(Object.keys(method.Properties!.RequestParameters), id).toContain(key);
    }
  });

  it('runs the cache readers, writers and invalidator in the VPC with computed cache settings, no generated host name in the environment', async () => {
    const t = await packagedTemplate(stage);
    for (const id of CACHE_FUNCTIONS) {
      const fn = t.Resources[id]!.Properties!;
      expect(fn.VpcConfig, id).toBeDefined();
      expect(fn.Environment.Variables, id).toMatchObject({ CACHE_ENDPOINT_PARAMETER: `/entity-platform/${stage}/cache/endpoint`, CACHE_AUTH_SECRET_ID: `entity-platform/${stage}/cache` });
      for (const [name, value] of Object.entries(fn.Environment.Variables)) if (name.startsWith('CACHE_')) expect(typeof value, `${id}.${name}`).toBe('string');
      expect(fn.Environment.Variables.REDIS_URL, id).toBeUndefined();
      const role = t.Resources[fn.Role['Fn::GetAtt'][0]]!.Properties!;
      const policy = JSON.stringify(role.Policies);
      for (const action of ['ec2:CreateNetworkInterface', 'ssm:GetParameter']) expect(policy, id).toContain(action);
      expect(policy, id).toContain(`"Fn::ImportValue":"entity-platform-${stage}-platform:CacheAuthSecretArn"`);
      expect(policy, id).toContain(`parameter/entity-platform/${stage}/cache/endpoint`);
    }
    // The publisher, the audit consumer and everything else stay out of the VPC.
    for (const id of ['PublishEntityEventsLambdaFunction', 'RecordEntityAuditLambdaFunction', 'AuthorizerLambdaFunction', 'HealthLambdaFunction']) expect(t.Resources[id]!.Properties!.VpcConfig, id).toBeUndefined();
  });

  it('feeds the invalidator from its own rule, queue and dead-letter queue on the platform key, with partial batch responses', async () => {
    const t = await packagedTemplate(stage);
    const queue = t.Resources.CacheInvalidationQueue!.Properties!;
    const platformKey = { 'Fn::ImportValue': `entity-platform-${stage}-platform:PlatformKeyArn` };
    expect(queue.KmsMasterKeyId).toEqual(platformKey);
    expect(queue.RedrivePolicy.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': ['CacheInvalidationDeadLetterQueue', 'Arn'] });
    expect(t.Resources.CacheInvalidationDeadLetterQueue!.Properties!.KmsMasterKeyId).toEqual(platformKey);
    const rule = t.Resources.CacheInvalidationRule!.Properties!;
    expect(rule.EventPattern['detail-type']).toEqual(['EntityCreated', 'EntityUpdated', 'EntityDeleted']);
    expect(rule.Targets[0].Arn).toEqual({ 'Fn::GetAtt': ['CacheInvalidationQueue', 'Arn'] });
    const policy = JSON.stringify(t.Resources.ConsumerQueuePolicy!.Properties);
    for (const id of ['CacheInvalidationQueue', 'CacheInvalidationDeadLetterQueue', 'CacheInvalidationRule']) expect(policy).toContain(id);
    const mapping = resourcesOfType(t, 'AWS::Lambda::EventSourceMapping').find(([, m]) => JSON.stringify(m.Properties!.EventSourceArn).includes('CacheInvalidationQueue'));
    expect(mapping?.[1].Properties).toMatchObject({ FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(t.Resources.InvalidateEntityCacheLambdaFunction!.Properties!.Role).toEqual({ 'Fn::GetAtt': ['InvalidateEntityCacheRole', 'Arn'] });
    expect(t.Resources.CacheInvalidationDeadLetterQueueDepthAlarm).toBeDefined();
  });
});

describe('cache invalidation retries outlast the cache circuit breaker', () => {
  // An invalidation that fails while the breaker is open must come back after it has let a trial
  // call through, or every invalidation of that window is dead-lettered and stale entries live out their TTL.
  const breakerOpenMs = parseCacheConfig({ AWS_REGION: 'eu-west-1' }).CACHE_BREAKER_OPEN_MS;
  const retryWindowMs = (queue: Record<string, any>, redeliveryMs: number) => (Number(queue.RedrivePolicy.maxReceiveCount) - 1) * redeliveryMs;

  it.each([...DEPLOYED_STAGES, 'local'] as const)('%s: in AWS, the queue redelivers over minutes', async (stage) => {
    const queue = (await packagedTemplate(stage)).Resources.CacheInvalidationQueue!.Properties!;
    expect(retryWindowMs(queue, Number(queue.VisibilityTimeout) * 1000)).toBeGreaterThanOrEqual(60 * breakerOpenMs);
  });

  it('locally, the event pipeline scales the visibility timeout down but its retries still span two breaker openings', async () => {
    const queue = (await packagedTemplate('local')).Resources.CacheInvalidationQueue!.Properties!;
    expect(redeliveryDelayMs(queue)).toBe(Number(queue.VisibilityTimeout) * 1000 * DEFAULT_TIME_SCALE);
    expect(retryWindowMs(queue, redeliveryDelayMs(queue))).toBeGreaterThanOrEqual(2 * breakerOpenMs);
  });
});
