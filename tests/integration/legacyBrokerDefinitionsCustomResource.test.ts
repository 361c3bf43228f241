import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAwsStandIn, type AwsStandIn } from '../support/awsStandIn.ts';

/**
 * The LegacyBrokerDefinitions custom resource's handler (functions/legacy/applyBrokerDefinitions.ts)
 * against a local HTTP server standing in for the broker's management API and CloudFormation's
 * response URL, and the Secrets Manager stand-in: the machine's RabbitMQ has no management plugin
 * (and it is not enabled on a shared broker), so the test asserts the exact requests the handler
 * sends. Secret names are the local stage's, so the permission tests check the role allows them.
 */
const FUNCTION = 'entity-platform-local-applyLegacyBrokerDefinitions';
const SECRETS: Record<string, { username: string; password: string }> = {
  'entity-platform/local/legacy-broker': { username: 'entity-bridge', password: 'admin-pw' },
  'entity-platform/local/legacy-broker/consumer': { username: 'legacy.consumer', password: 'consumer-pw' },
  'entity-platform/local/legacy-broker/dead-letters': { username: 'legacy.dead-letters', password: 'dead-pw' },
  'entity-platform/local/legacy-broker/publisher': { username: 'legacy.publisher', password: 'publisher-pw' },
  'entity-platform/local/legacy-source/platform/legacy': { username: 'legacy.source.platform.legacy', password: 'source-pw' },
};

interface Received { method: string; path: string; authorization?: string; contentType?: string; body: any }
let server: Server;
let base: string;
const api: Received[] = [];
const cloudFormation: Received[] = [];
/** The management API's answer per request (default 201). */
let answer: (r: Received) => number = () => 201;
let secrets: AwsStandIn;
let handler: (event: unknown, context: Context) => Promise<{ Status: string; Reason?: string; Data?: Record<string, string> }>;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const received: Received = { method: req.method!, path: req.url!, ...(req.headers.authorization && { authorization: req.headers.authorization }), ...(req.headers['content-type'] && { contentType: req.headers['content-type'] }), body: text ? JSON.parse(text) : undefined };
      if (req.url!.startsWith('/cloudformation-response')) {
        cloudFormation.push(received);
        res.writeHead(200).end();
        return;
      }
      api.push(received);
      const status = answer(received);
      res.writeHead(status, { 'content-type': 'application/json' }).end(status >= 400 ? JSON.stringify({ error: 'bad_request', reason: `inequivalent arg 'x-queue-type' for queue '${decodeURIComponent(received.path.split('/').at(-1)!)}'` }) : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  secrets = await startAwsStandIn((call) => {
    const secret = SECRETS[String(call.input['SecretId'])];
    return secret
      ? { status: 200, body: { ARN: `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${String(call.input['SecretId'])}-AbCdEf`, Name: call.input['SecretId'], SecretString: JSON.stringify(secret) } }
      : { status: 400, body: { __type: 'ResourceNotFoundException', message: 'Secrets Manager can’t find the specified secret.' } };
  });
  const run = process.env['ENTITY_PLATFORM_TEST_RUN'];
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_TRACE_ENABLED: 'false', POWERTOOLS_LOG_LEVEL: 'SILENT',
    // The stack suite records each function's AWS calls for the permission tests.
    ...(run && { AWS_CALL_LOG: (JSON.parse(run) as { awsCallLog: string }).awsCallLog }),
  });
  handler = (await import('../../functions/legacy/applyBrokerDefinitions.ts')).handler;
});

afterAll(async () => {
  await secrets?.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL_SECRETS_MANAGER']) delete process.env[key];
});

beforeEach(() => {
  api.length = 0;
  cloudFormation.length = 0;
  secrets.calls.length = 0;
  answer = () => 201;
});

const properties = () => ({
  ServiceToken: `arn:aws:lambda:eu-west-1:111122223333:function:${FUNCTION}`,
  ServiceTimeout: '600',
  ManagementUrl: base,
  AdminSecret: 'entity-platform/local/legacy-broker',
  Prefix: 'legacy',
  VirtualHost: '/',
  Sources: [{ Tenant: 'platform', Source: 'legacy', Secret: 'entity-platform/local/legacy-source/platform/legacy' }],
  ConsumerSecret: 'entity-platform/local/legacy-broker/consumer',
  DeadLetterSecret: 'entity-platform/local/legacy-broker/dead-letters',
  PublisherSecret: 'entity-platform/local/legacy-broker/publisher',
  Revision: 'sha256:x',
});

function event(requestType: 'Create' | 'Update' | 'Delete', resourceProperties: Record<string, unknown> = properties()): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: String(resourceProperties['ServiceToken']),
    ResponseURL: `${base}/cloudformation-response?X-Amz-Signature=abc`,
    StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/entity-platform-dev/guid',
    RequestId: `request-${requestType}`,
    LogicalResourceId: 'LegacyBrokerDefinitions',
    ResourceType: 'Custom::LegacyBrokerDefinitions',
    ResourceProperties: resourceProperties as never,
  };
  if (requestType === 'Create') return { ...common, RequestType: 'Create' };
  if (requestType === 'Update') return { ...common, RequestType: 'Update', PhysicalResourceId: 'legacy-broker-definitions', OldResourceProperties: { ServiceToken: common.ServiceToken } };
  return { ...common, RequestType: 'Delete', PhysicalResourceId: 'legacy-broker-definitions' };
}

const context = { functionName: FUNCTION, awsRequestId: 'r', getRemainingTimeInMillis: () => 300_000 } as unknown as Context;
const ADMIN = `Basic ${Buffer.from('entity-bridge:admin-pw').toString('base64')}`;
const QUORUM = { 'x-queue-type': 'quorum' };

/** Exactly what the broker must receive for one source, platform:legacy, in this order. */
const EXPECTED: { method: string; path: string; body: unknown }[] = [
  { method: 'PUT', path: '/api/exchanges/%2F/legacy.events', body: { type: 'topic', durable: true, auto_delete: false, internal: false, arguments: {} } },
  { method: 'PUT', path: '/api/exchanges/%2F/legacy.dead-letter', body: { type: 'direct', durable: true, auto_delete: false, internal: false, arguments: {} } },
  { method: 'PUT', path: '/api/exchanges/%2F/legacy.inbound.platform.legacy', body: { type: 'fanout', durable: true, auto_delete: false, internal: false, arguments: {} } },
  { method: 'PUT', path: '/api/queues/%2F/legacy.inbound.platform.legacy', body: { durable: true, auto_delete: false, arguments: { ...QUORUM, 'x-dead-letter-exchange': 'legacy.dead-letter', 'x-dead-letter-routing-key': 'legacy.inbound.platform.legacy', 'x-delivery-limit': 10 } } },
  { method: 'PUT', path: '/api/queues/%2F/legacy.inbound.platform.legacy.dead-letter', body: { durable: true, auto_delete: false, arguments: QUORUM } },
  { method: 'POST', path: '/api/bindings/%2F/e/legacy.inbound.platform.legacy/q/legacy.inbound.platform.legacy', body: { routing_key: '', arguments: {} } },
  { method: 'POST', path: '/api/bindings/%2F/e/legacy.dead-letter/q/legacy.inbound.platform.legacy.dead-letter', body: { routing_key: 'legacy.inbound.platform.legacy', arguments: {} } },
  { method: 'PUT', path: '/api/users/legacy.consumer', body: { password: 'consumer-pw', tags: '' } },
  { method: 'PUT', path: '/api/users/legacy.dead-letters', body: { password: 'dead-pw', tags: '' } },
  { method: 'PUT', path: '/api/users/legacy.publisher', body: { password: 'publisher-pw', tags: '' } },
  { method: 'PUT', path: '/api/users/legacy.source.platform.legacy', body: { password: 'source-pw', tags: '' } },
  { method: 'PUT', path: '/api/permissions/%2F/legacy.consumer', body: { configure: '^$', write: '^$', read: '^legacy\\.inbound\\.platform\\.legacy$' } },
  { method: 'PUT', path: '/api/permissions/%2F/legacy.dead-letters', body: { configure: '^$', write: '^legacy\\.dead-letter$', read: '^$' } },
  { method: 'PUT', path: '/api/permissions/%2F/legacy.publisher', body: { configure: '^$', write: '^legacy\\.events$', read: '^$' } },
  { method: 'PUT', path: '/api/permissions/%2F/legacy.source.platform.legacy', body: { configure: '^$', write: '^legacy\\.inbound\\.platform\\.legacy$', read: '^$' } },
];

describe('the legacy broker definitions as a CloudFormation custom resource (management API stand-in)', () => {
  it('Create and Update send exactly the definitions (as the administrator, each user with its own secret\'s password) and answer SUCCESS', async () => {
    for (const type of ['Create', 'Update'] as const) {
      api.length = 0;
      cloudFormation.length = 0;
      const response = await handler(event(type), context);
      expect(response.Status, response.Reason).toBe('SUCCESS');
      expect(api.map(({ method, path, body }) => ({ method, path, body }))).toEqual(EXPECTED);
      for (const request of api) expect(request).toMatchObject({ authorization: ADMIN, contentType: 'application/json' });
      expect(cloudFormation).toHaveLength(1);
      expect(cloudFormation[0]!.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'legacy-broker-definitions', LogicalResourceId: 'LegacyBrokerDefinitions', Data: { requests: '15', users: 'legacy.consumer,legacy.dead-letters,legacy.publisher,legacy.source.platform.legacy' } });
    }
    expect(new Set(secrets.calls.map((c) => c.input['SecretId']))).toEqual(new Set(Object.keys(SECRETS)));
  });

  it('Delete leaves the broker alone and answers SUCCESS', async () => {
    const response = await handler(event('Delete'), context);
    expect(response.Status).toBe('SUCCESS');
    expect(api).toEqual([]);
    expect(cloudFormation.map((r) => r.body.Status)).toEqual(['SUCCESS']);
  });

  it('a request the broker refuses fails the deploy with its answer and sends nothing after it', async () => {
    answer = (r) => (r.path === '/api/queues/%2F/legacy.inbound.platform.legacy' ? 400 : 201);
    const response = await handler(event('Update'), context);
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/^PUT \/api\/queues\/%2F\/legacy\.inbound\.platform\.legacy: HTTP 400 .*inequivalent arg/);
    expect(response.Reason).not.toMatch(/-pw/);
    expect(api.map((r) => r.path)).toEqual(EXPECTED.slice(0, 4).map((r) => r.path));
    expect(cloudFormation.map((r) => r.body.Status)).toEqual(['FAILED']);
  });

  it("a source secret holding another user fails before anything is sent (the source would connect as a user that does not exist)", async () => {
    const wrong = { ...properties(), Sources: [{ Tenant: 'platform', Source: 'erp', Secret: 'entity-platform/local/legacy-source/platform/legacy' }] };
    const response = await handler(event('Create', wrong), context);
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toBe('Secret entity-platform/local/legacy-source/platform/legacy holds user legacy.source.platform.legacy, but the definitions name legacy.source.platform.erp');
    expect(api).toEqual([]);
  });
});
