import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const platform = require('../../../../scripts/serverless/platform.cjs') as Record<string, (...args: any[]) => any>;
const { emptyConsoleBucket } = require('../../../../scripts/serverless/console.cjs') as { emptyConsoleBucket: (o: any) => Promise<number> };

describe('stage checks at package time (platform.cjs, checkStage)', () => {
  it('refuses a stage that must page someone with nobody subscribed, naming how to fix it', () => {
    expect(() => platform.checkStage!({ stage: 'prod', alarmSubscription: { required: true, endpoint: '' } })).toThrow(/Stage prod needs an alarm subscription: set ALARM_SUBSCRIPTION_ENDPOINT/);
    expect(() => platform.checkStage!({ stage: 'prod', alarmSubscription: { required: true, endpoint: 'ops@example.com' } })).not.toThrow();
    expect(() => platform.checkStage!({ stage: 'dev', alarmSubscription: { required: false, endpoint: '' } })).not.toThrow();
  });

  it('refuses localhost callback or logout URLs outside the stages that allow them', () => {
    for (const url of ['http://localhost:5173/', 'https://127.0.0.1/', 'http://[::1]:8080/', 'https://app.localhost/']) {
      expect(() => platform.checkStage!({ stage: 'prod', oauth: { logoutUrls: [url] } }), url).toThrow(/may not send sign-ins back to/);
      expect(() => platform.checkStage!({ stage: 'dev', oauth: { callbackUrls: [url], allowLocalhost: true } }), url).not.toThrow();
    }
    expect(() => platform.checkStage!({ stage: 'prod', oauth: { callbackUrls: ['https://console.example.com/'] } })).not.toThrow();
  });
});

describe('method throttles derived from the API (platform.cjs, methodThrottles)', () => {
  const template = () => ({
    Resources: {
      ApiGatewayStage: { Type: 'AWS::ApiGateway::Stage', Properties: { MethodSettings: [{ ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: 100 }, { ResourcePath: '/~1api~1v1~1secure~1things', HttpMethod: 'POST', ThrottlingRateLimit: 1 }] } },
      Api: { Type: 'AWS::ApiGateway::Resource', Properties: { ParentId: { 'Fn::GetAtt': ['ApiGatewayRestApi', 'RootResourceId'] }, PathPart: 'api' } },
      V1: { Type: 'AWS::ApiGateway::Resource', Properties: { ParentId: { Ref: 'Api' }, PathPart: 'v1' } },
      Secure: { Type: 'AWS::ApiGateway::Resource', Properties: { ParentId: { Ref: 'V1' }, PathPart: 'secure' } },
      Data: { Type: 'AWS::ApiGateway::Resource', Properties: { ParentId: { Ref: 'V1' }, PathPart: 'data' } },
      Things: { Type: 'AWS::ApiGateway::Resource', Properties: { ParentId: { Ref: 'Secure' }, PathPart: 'things' } },
      DataThings: { Type: 'AWS::ApiGateway::Resource', Properties: { ParentId: { Ref: 'Data' }, PathPart: 'things' } },
      Health: { Type: 'AWS::ApiGateway::Resource', Properties: { ParentId: { Ref: 'V1' }, PathPart: 'health' } },
      PostThings: { Type: 'AWS::ApiGateway::Method', Properties: { HttpMethod: 'POST', ResourceId: { Ref: 'Things' } } },
      AnyThings: { Type: 'AWS::ApiGateway::Method', Properties: { HttpMethod: 'ANY', ResourceId: { Ref: 'Things' } } },
      OptionsThings: { Type: 'AWS::ApiGateway::Method', Properties: { HttpMethod: 'OPTIONS', ResourceId: { Ref: 'Things' } } },
      GetDataThings: { Type: 'AWS::ApiGateway::Method', Properties: { HttpMethod: 'GET', ResourceId: { Ref: 'DataThings' } } },
      GetHealth: { Type: 'AWS::ApiGateway::Method', Properties: { HttpMethod: 'GET', ResourceId: { Ref: 'Health' } } },
    },
  });

  it('gives every /secure method and every /data GET its limits (a new route included), the cache to the named /data GETs, and leaves the rest to the default', () => {
    const t = template();
    platform.methodThrottles!(t, 'ApiGatewayStage', { data: { rate: '1000', burst: '2000' }, secure: { rate: 500, burst: 1000 }, cache: true, cachedMethods: { GetDataThings: [] } });
    expect(t.Resources.ApiGatewayStage.Properties.MethodSettings).toEqual([
      { ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: 100 },
      { ResourcePath: '/~1api~1v1~1data~1things', HttpMethod: 'GET', ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000, MetricsEnabled: true, CachingEnabled: true, CacheTtlInSeconds: 60, CacheDataEncrypted: true },
      { ResourcePath: '/~1api~1v1~1secure~1things', HttpMethod: 'POST', ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000, MetricsEnabled: true, CachingEnabled: false },
    ]);
  });
});

describe('generated resources', () => {
  it('subscribes the alarm endpoint, adds the stage\'s OAuth URLs after the console\'s, and makes the readers wait for the migrations', () => {
    const t: any = { Resources: { UserAppClient: { Properties: { CallbackURLs: ['https://console/'], LogoutURLs: ['https://console/'] } }, FnAliasLive: { DependsOn: 'X' }, Task: {}, ReadModelMigrations: {} } };
    platform.alarmSubscription!(t, 'AlarmTopic', { protocol: 'https', endpoint: 'https://pager.example.com/hook' });
    platform.alarmSubscription!(t, 'AlarmTopic', { endpoint: '' });
    expect(t.Resources.AlarmSubscription).toEqual({ Type: 'AWS::SNS::Subscription', Properties: { TopicArn: { Ref: 'AlarmTopic' }, Protocol: 'https', Endpoint: 'https://pager.example.com/hook' } });
    platform.oauthUrls!(t, 'UserAppClient', { callbackUrls: ['http://localhost:5173/'], logoutUrls: [] });
    expect(t.Resources.UserAppClient.Properties).toEqual({ CallbackURLs: ['https://console/', 'http://localhost:5173/'], LogoutURLs: ['https://console/'] });
    platform.migrationsFirst!(t, [{ name: 'fn', logicalId: 'Fn' }], { resource: 'ReadModelMigrations', readers: ['fn'], resources: ['Task'] });
    expect(t.Resources.FnAliasLive.DependsOn).toEqual(['X', 'ReadModelMigrations']);
    expect(t.Resources.Task.DependsOn).toEqual(['ReadModelMigrations']);
    expect(() => platform.migrationsFirst!(t, [], { resource: 'ReadModelMigrations', readers: ['gone'] })).toThrow(/gone is not a function/);
  });

  it('names the replication group\'s member clusters as ElastiCache does', () => {
    expect(platform.cacheClusterIds!({ replicationGroupId: 'entity-platform-prod', nodes: 3 })).toEqual(['entity-platform-prod-001', 'entity-platform-prod-002', 'entity-platform-prod-003']);
  });
});

describe('emptying the console bucket before sls remove (console.cjs)', () => {
  it('lists every page and deletes each page in one call; a refused key fails the removal', async () => {
    const calls: [string, string, any][] = [];
    const pages = [{ Contents: [{ Key: 'a' }, { Key: 'b' }], IsTruncated: true, NextContinuationToken: 't1' }, { Contents: [{ Key: 'c' }], IsTruncated: false }];
    const request = (service: string, method: string, params: any) => {
      calls.push([service, method, params]);
      return Promise.resolve(method === 'listObjectsV2' ? pages.shift() : {});
    };
    expect(await emptyConsoleBucket({ request, outputs: { ConsoleBucketName: 'console-b' } })).toBe(3);
    expect(calls).toEqual([
      ['S3', 'listObjectsV2', { Bucket: 'console-b', ContinuationToken: undefined }],
      ['S3', 'deleteObjects', { Bucket: 'console-b', Delete: { Objects: [{ Key: 'a' }, { Key: 'b' }], Quiet: true } }],
      ['S3', 'listObjectsV2', { Bucket: 'console-b', ContinuationToken: 't1' }],
      ['S3', 'deleteObjects', { Bucket: 'console-b', Delete: { Objects: [{ Key: 'c' }], Quiet: true } }],
    ]);
    const refusing = (_s: string, method: string) => Promise.resolve(method === 'listObjectsV2' ? { Contents: [{ Key: 'x' }] } : { Errors: [{ Key: 'x', Code: 'AccessDenied' }] });
    await expect(emptyConsoleBucket({ request: refusing, outputs: { ConsoleBucketName: 'console-b' } })).rejects.toThrow(/x: AccessDenied/);
    expect(await emptyConsoleBucket({ request: refusing, outputs: {} })).toBe(0);
  });
});
