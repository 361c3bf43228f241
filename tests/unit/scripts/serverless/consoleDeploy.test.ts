import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const { addCors, deployConsole, runtimeConfig } = createRequire(import.meta.url)('../../../../scripts/serverless/console.cjs');

const OUTPUTS = {
  ApiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/dev/',
  ConsoleUrl: 'https://d111111abcdef8.cloudfront.net',
  ConsoleBucketName: 'entity-platform-dev-consolebucket-1a2b3c',
  ConsoleDistributionId: 'E2EXAMPLE',
  ConsoleAuthDomain: 'entity-platform-dev-123456789012.auth.eu-west-1.amazoncognito.com',
  UserPoolId: 'eu-west-1_AbCdEf123',
  UserAppClientId: '1example23456789',
};

describe('the console deploy (scripts/serverless/console.cjs)', () => {
  let dist: string;
  beforeAll(async () => {
    dist = await mkdtemp(join(tmpdir(), 'console-dist-'));
    await mkdir(join(dist, 'assets'));
    await writeFile(join(dist, 'index.html'), '<!doctype html><script type="module" src="/assets/index-abc.js"></script>');
    await writeFile(join(dist, 'assets', 'index-abc.js'), 'console.log(1)');
    await writeFile(join(dist, 'assets', 'index-abc.css'), 'body{}');
  });
  afterAll(() => rm(dist, { recursive: true, force: true }));

  it('writes config.json from the stack outputs, nothing stage-specific in the bundle', () => {
    expect(runtimeConfig(OUTPUTS, 'dev')).toEqual({
      apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/dev',
      stage: 'dev',
      auth: {
        userPoolId: 'eu-west-1_AbCdEf123',
        userPoolClientId: '1example23456789',
        domain: OUTPUTS.ConsoleAuthDomain,
        scopes: ['openid', 'email', 'entities/read', 'entities/write'],
        redirectSignIn: ['https://d111111abcdef8.cloudfront.net/'],
        redirectSignOut: ['https://d111111abcdef8.cloudfront.net/'],
      },
    });
    expect(() => runtimeConfig({ ...OUTPUTS, UserAppClientId: undefined }, 'dev')).toThrow('UserAppClientId');
  });

  it('uploads assets (immutable) first and index.html last, then invalidates what changes in place', async () => {
    const calls: { service: string; method: string; params: any }[] = [];
    const request = (service: string, method: string, params: any) => {
      calls.push({ service, method, params });
      return Promise.resolve(method === 'createInvalidation' ? { Invalidation: { Id: 'I1' } } : {});
    };
    await deployConsole({ request, outputs: OUTPUTS, stage: 'dev', distDir: dist });
    const puts = calls.filter((c) => c.method === 'putObject').map((c) => [c.params.Key, c.params.ContentType, c.params.CacheControl, c.params.Bucket]);
    expect(puts.slice(0, 2).map((p) => p[0]).sort()).toEqual(['assets/index-abc.css', 'assets/index-abc.js']);
    expect(puts.slice(2)).toEqual([
      ['config.json', 'application/json', 'no-cache', OUTPUTS.ConsoleBucketName],
      ['index.html', 'text/html; charset=utf-8', 'no-cache', OUTPUTS.ConsoleBucketName],
    ]);
    expect(puts.find((p) => p[0] === 'assets/index-abc.js')).toEqual(['assets/index-abc.js', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable', OUTPUTS.ConsoleBucketName]);
    const config = JSON.parse(calls.find((c) => c.params.Key === 'config.json')!.params.Body.toString());
    expect(config.auth.userPoolClientId).toBe(OUTPUTS.UserAppClientId);
    const invalidation = calls.at(-1)!;
    expect(invalidation).toMatchObject({ service: 'CloudFront', method: 'createInvalidation', params: { DistributionId: 'E2EXAMPLE', InvalidationBatch: { Paths: { Quantity: 2, Items: ['/index.html', '/config.json'] } } } });
  });

  it("gives every API route the console's CORS settings, but not the 405 catch-alls", () => {
    const functions = { a: { events: [{ http: { path: 'x', method: 'get' } }, { http: { path: 'x', method: 'any' } }, { sqs: { arn: 'q' } }] } };
    addCors(functions, 'http://127.0.0.1:5173');
    expect(functions.a.events[0]).toMatchObject({ http: { cors: { origin: 'http://127.0.0.1:5173', headers: expect.arrayContaining(['Authorization', 'If-Match', 'Idempotency-Key']), allowCredentials: false } } });
    expect(functions.a.events[1]).toEqual({ http: { path: 'x', method: 'any' } });
  });
});
