import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../scripts/lib/localStack.ts';
import { packagedFiles, packagedNestedStacks, packagedPlatformTemplate, packagedTemplate, resourcesOfType, type Template } from '../support/packagedStack.ts';
import { PACKAGED_STAGES_TIMEOUT_MS, packagedStages } from '../support/testRun.ts';

// The AWS stages are packaged while the stack's tests run; this file runs after them (tests/support/sequencer.ts).
beforeAll(() => packagedStages(), PACKAGED_STAGES_TIMEOUT_MS);

const LOCAL_ISSUER_MARKERS = ['local-issuer', 'LOCAL_ISSUER', 'localIssuer', 'local-app-client', 'local-service-client', 'CURSOR_SIGNING_KEY', 'private-key.pem'];
/** The local stage's in-process cache (src/local/sharedCacheStore.ts): the name of its process-global slot. */
const LOCAL_CACHE_MARKER = 'entity-platform.cache.lru';

const FUNCTIONS = ['Health', 'Openapi', 'Docs', 'Authorizer', 'PreTokenGeneration', 'CreateEntity', 'GetEntity', 'ListEntities', 'ReplaceEntity', 'PatchEntity', 'DeleteEntity', 'GetEntityHistory', 'PublishEntityEvents', 'RecordEntityAudit', 'InvalidateEntityCache', 'MethodNotAllowed', 'SearchEntities', 'EntityStats', 'ProjectEntityEvents', 'Migrate', 'ReconcileReadModel', 'StartJob', 'CreateJob', 'GetJob', 'CreateJobUpload', 'GetJobFile', 'ConsumeLegacyMessages', 'PublishLegacyEvents', 'ApplyLegacyBrokerDefinitions'];

function props(template: Template, logicalId: string): Record<string, any> {
  const resource = template.Resources[logicalId];
  expect(resource, logicalId).toBeDefined();
  return resource!.Properties ?? {};
}

const CONSOLE_ORIGIN = { 'Fn::If': ['HasConsoleDomain', expect.stringMatching(/^https:\/\/$/), { 'Fn::Sub': 'https://${ConsoleDistribution.DomainName}' }] };

/** The dependency cycles among a template's resources (Ref, GetAtt, Sub and DependsOn), each as `a → b → a`. */
function cycles(template: Template): string[] {
  const ids = new Set(Object.keys(template.Resources));
  const edges = new Map<string, Set<string>>();
  const collect = (value: unknown, into: Set<string>): void => {
    if (Array.isArray(value)) for (const v of value) collect(v, into);
    else if (value !== null && typeof value === 'object') {
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        if (key === 'Ref' && typeof v === 'string' && ids.has(v)) into.add(v);
        else if (key === 'Fn::GetAtt') into.add(Array.isArray(v) ? String(v[0]) : String(v).split('.')[0]!);
        else if (key === 'Fn::Sub') for (const [, ref] of JSON.stringify(v).matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) if (ids.has(ref!)) into.add(ref!);
        collect(v, into);
      }
    }
  };
  for (const [id, resource] of Object.entries(template.Resources)) {
    const deps = new Set<string>([resource.DependsOn ?? []].flat() as string[]);
    collect(resource.Properties, deps);
    edges.set(id, deps);
  }
  // Depth-first search; a node met again while on the stack closes a cycle.
  const state = new Map<string, 'open' | 'done'>();
  const found: string[] = [];
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'open') {
      found.push([...path.slice(path.indexOf(id)), id].join(' → '));
      return;
    }
    state.set(id, 'open');
    for (const dep of edges.get(id) ?? []) if (ids.has(dep)) visit(dep, [...path, id]);
    state.set(id, 'done');
  };
  for (const id of ids) visit(id, []);
  return found;
}

describe.each(['dev', 'staging', 'prod'] as const)('packaged template (%s), built with no AWS credentials', (stage) => {
  it('declares every function on nodejs24.x arm64 with X-Ray, and only strings or a resolvable Ref in its environment', async () => {
    const template = await packagedTemplate(stage);
    for (const name of FUNCTIONS) {
      const fn = props(template, `${name}LambdaFunction`);
      expect(fn.Runtime, name).toBe('nodejs24.x');
      expect(fn.Architectures, name).toEqual(['arm64']);
      expect(fn.TracingConfig, name).toEqual({ Mode: 'Active' });
      expect(fn.Handler, name).toMatch(/\.handler$/);
      for (const [key, value] of Object.entries((fn.Environment?.Variables ?? {}) as Record<string, unknown>)) {
        // `sls invoke local --stage <stage>` resolves a plain Ref from the deployed stack and an import from the
        // platform's exports, nothing else (no GetAtt, Join, Sub).
        // CONSOLE_ORIGIN (the distribution's domain) is put into the template by the console plugin, never into the
        // service's environment, so `sls invoke local` runs without it (no CORS headers there).
        if (key === 'CONSOLE_ORIGIN') expect(value, `${name}.${key}`).toEqual(CONSOLE_ORIGIN);
        else if (typeof value !== 'string' && 'Fn::ImportValue' in (value as object)) expect(value, `${name}.${key}: an import of the platform's export`).toEqual({ 'Fn::ImportValue': expect.stringMatching(new RegExp(`^entity-platform-${stage}-platform:(UserPoolId|ServiceClientId)$`)) });
        else if (typeof value !== 'string') expect(value, `${name}.${key}: a string or a Ref that sls invoke local can resolve`).toEqual({ Ref: expect.stringMatching(/^(UserAppClient|LegacyBroker|LegacyDeadLetterSecret|LegacyPublisherSecret)$/) });
      }
      expect(fn.Environment.Variables.IDENTITY_PROVIDER).toBe('cognito');
      expect(fn.Environment.Variables.RUNTIME_SECRET_ID).toBe(`entity-platform/${stage}/runtime`);
      expect(fn.Environment.Variables.ENTITIES_TABLE).toBe(`entity-platform-${stage}-entities`);
      // The pool's ids, so verifying a token needs no call; the trigger the pool invokes cannot reference it.
      const platform = (name: string) => ({ 'Fn::ImportValue': `entity-platform-${stage}-platform:${name}` });
      const identity = { COGNITO_USER_POOL_ID: platform('UserPoolId'), COGNITO_APP_CLIENT_ID: { Ref: 'UserAppClient' }, COGNITO_SERVICE_CLIENT_ID: platform('ServiceClientId') };
      if (name === 'PreTokenGeneration') expect(fn.Environment.Variables, name).toMatchObject({ COGNITO_USER_POOL_ID: '', COGNITO_APP_CLIENT_ID: '', COGNITO_SERVICE_CLIENT_ID: '' });
      else expect(fn.Environment.Variables, name).toMatchObject(identity);
    }
  });

  it('has no circular dependency between resources (Ref, GetAtt, Sub and DependsOn), in the stage and in each stack as deployed', async () => {
    expect(cycles(await packagedTemplate(stage))).toEqual([]);
    const { root, nested } = packagedNestedStacks(stage);
    expect(cycles(root)).toEqual([]);
    for (const [stack, { template }] of Object.entries(nested)) expect(cycles(template), stack).toEqual([]);
  });

  it('guards /api/v1/secure with one cacheable TOKEN authorizer and leaves /data and health open', async () => {
    const template = await packagedTemplate(stage);
    const authorizers = resourcesOfType(template, 'AWS::ApiGateway::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0]!;
    expect(authorizer.Properties).toMatchObject({ Type: 'TOKEN', IdentitySource: 'method.request.header.Authorization', AuthorizerResultTtlInSeconds: 300 });

    const methods = resourcesOfType(template, 'AWS::ApiGateway::Method');
    const byKey = new Map(methods.map(([id, m]) => [id, m.Properties!]));
    const secure = methods.filter(([id]) => id.includes('Secure') && !id.endsWith('Any') && !id.endsWith('Options'));
    expect(secure.map(([id]) => id).sort()).toEqual(
      ['ApiGatewayMethodApiV1SecureEntitiesGet', 'ApiGatewayMethodApiV1SecureEntitiesPost', 'ApiGatewayMethodApiV1SecureEntitiesIdVarGet', 'ApiGatewayMethodApiV1SecureEntitiesIdVarPut', 'ApiGatewayMethodApiV1SecureEntitiesIdVarPatch', 'ApiGatewayMethodApiV1SecureEntitiesIdVarDelete', 'ApiGatewayMethodApiV1SecureEntitiesIdVarHistoryGet', 'ApiGatewayMethodApiV1SecureEntitiesSearchGet', 'ApiGatewayMethodApiV1SecureEntitiesStatsGet', 'ApiGatewayMethodApiV1SecureJobsPost', 'ApiGatewayMethodApiV1SecureJobsIdVarGet', 'ApiGatewayMethodApiV1SecureJobsUploadsPost', 'ApiGatewayMethodApiV1SecureJobsIdVarFilesFileVarGet'].sort(),
    );
    for (const [id, method] of secure) {
      expect(method.Properties, id).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } });
    }
    // CORS preflights (the console, docs/console.md) carry no token: they are never authorized.
    for (const [id, method] of methods.filter(([, m]) => m.Properties!.HttpMethod === 'OPTIONS')) expect(method.Properties!.AuthorizationType, id).toBe('NONE');
    for (const id of ['ApiGatewayMethodApiV1DataEntitiesGet', 'ApiGatewayMethodApiV1DataEntitiesIdVarGet', 'ApiGatewayMethodApiV1HealthGet', 'ApiGatewayMethodApiV1OpenapijsonGet', 'ApiGatewayMethodApiV1DocsGet']) {
      expect(byKey.get(id)?.AuthorizationType, id).toBe('NONE');
    }
    const gatewayResponses = resourcesOfType(template, 'AWS::ApiGateway::GatewayResponse').map(([, r]) => r.Properties!);
    expect(gatewayResponses.map((r) => r.ResponseType)).toEqual(expect.arrayContaining(['UNAUTHORIZED', 'ACCESS_DENIED', 'INVALID_API_KEY', 'BAD_REQUEST_BODY', 'DEFAULT_4XX', 'DEFAULT_5XX']));
    for (const response of gatewayResponses) {
      expect(response.ResponseParameters['gatewayresponse.header.Content-Type']).toBe("'application/problem+json'");
      // `$context.error.*String` variables are quoted JSON strings already; the others are bare values.
      const rendered = String(response.ResponseTemplates['application/json']).replace(/\$context\.error\.\w+String/g, '"x"').replace(/\$context\.[\w.]+/g, 'x');
      expect(() => JSON.parse(rendered), rendered).not.toThrow();
    }
  });

  it('validates request bodies at the edge with the models generated from the zod schemas', async () => {
    const template = await packagedTemplate(stage);
    const model = async (name: string) => JSON.parse(await readFile(join(PROJECT_ROOT, 'resources', 'models', `${name}.json`), 'utf8'));
    const expected: Record<string, Record<string, string>> = {
      ApiGatewayMethodApiV1SecureEntitiesPost: { 'application/json': 'createEntity' },
      ApiGatewayMethodApiV1SecureEntitiesIdVarPut: { 'application/json': 'replaceEntity' },
      ApiGatewayMethodApiV1SecureEntitiesIdVarPatch: { 'application/json': 'patchEntity', 'application/merge-patch+json': 'patchEntity' },
    };
    for (const [methodId, models] of Object.entries(expected)) {
      const method = props(template, methodId);
      expect(Object.keys(method.RequestModels).sort(), methodId).toEqual(Object.keys(models).sort());
      const validator = props(template, method.RequestValidatorId.Ref);
      expect(validator).toMatchObject({ ValidateRequestBody: true });
      for (const [contentType, name] of Object.entries(models)) {
        const modelProps = props(template, method.RequestModels[contentType].Ref);
        expect(modelProps.ContentType).toBe(contentType);
        expect(modelProps.Schema).toEqual(await model(name));
        expect(modelProps.Schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
      }
    }
  });

  it('gives only the read-model functions the database settings (stage params, the endpoint parameter, IAM auth), schedules reconciliation and bundles the migrations', async () => {
    const template = await packagedTemplate(stage);
    const endpointParameter = `/entity-platform/${stage}/database/proxy-endpoint`;
    // The platform publishes the proxy's generated endpoint under that name.
    const platform = await packagedPlatformTemplate(stage);
    expect(props(platform, 'DatabaseProxyEndpointParameter')).toMatchObject({ Name: endpointParameter, Value: { 'Fn::GetAtt': ['DatabaseProxy', 'Endpoint'] } });
    // Each connects as the database role of its purpose (issue 18), and may connect only as that user, only through this stack's proxy.
    const userOf = { SearchEntities: 'entity_reader', EntityStats: 'entity_reader', ProjectEntityEvents: 'entity_writer', Migrate: 'entity_platform', ReconcileReadModel: 'entity_writer' } as const;
    for (const [name, user] of Object.entries(userOf)) {
      const fn = props(template, `${name}LambdaFunction`);
      expect(fn.Environment.Variables, name).toMatchObject({ DB_PROXY_ENDPOINT: '', DB_PROXY_ENDPOINT_PARAMETER: endpointParameter, DB_NAME: 'entities', DB_USER: user });
      const connect = (props(template, fn.Role['Fn::GetAtt'][0]).Policies as { PolicyDocument: { Statement: { Action: string[]; Resource: unknown }[] } }[])
        .flatMap((p) => p.PolicyDocument.Statement)
        .filter((st) => st.Action.includes('rds-db:connect'));
      expect(connect, name).toEqual([
        {
          Effect: 'Allow',
          Action: ['rds-db:connect'],
          Resource: { 'Fn::Sub': [`arn:\${AWS::Partition}:rds-db:\${AWS::Region}:\${AWS::AccountId}:dbuser:\${ProxyResourceId}/${user}`, { ProxyResourceId: { 'Fn::ImportValue': `entity-platform-${stage}-platform:DatabaseProxyResourceId` } }] },
        },
      ]);
      expect(String(fn.Environment.Variables.DB_PORT)).toBe('5432');
      // Its role may read that parameter and nothing else of SSM.
      const statements = (props(template, fn.Role['Fn::GetAtt'][0]).Policies as { PolicyDocument: { Statement: { Action: string[]; Resource: unknown }[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
      const ssm = statements.filter((st) => st.Action.some((a) => a.startsWith('ssm:')));
      expect(ssm, name).toEqual([{ Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${endpointParameter}` } }]);
    }
    for (const name of ['CreateEntity', 'GetEntity', 'Health']) expect(props(template, `${name}LambdaFunction`).Environment.Variables, name).not.toHaveProperty('DB_PROXY_ENDPOINT');
    const rules = resourcesOfType(template, 'AWS::Events::Rule').map(([, r]) => r.Properties!);
    expect(rules).toEqual(expect.arrayContaining([expect.objectContaining({ ScheduleExpression: 'rate(1 hour)', State: 'ENABLED' })]));
    // The proxy: end-to-end IAM authentication for the roles per purpose; the worker connects as the writer.
    expect(props(platform, 'DatabaseProxy')).toMatchObject({ DefaultAuthScheme: 'IAM_AUTH', RequireTLS: true });
    expect(platform.Outputs!.DatabaseProxyResourceId.Value).toEqual({ 'Fn::Select': [6, { 'Fn::Split': [':', { 'Fn::GetAtt': ['DatabaseProxy', 'DBProxyArn'] }] }] });
    const worker = props(template, 'WorkerTaskDefinition').ContainerDefinitions[0].Environment as { Name: string; Value: unknown }[];
    expect(worker).toContainEqual({ Name: 'DB_USER', Value: 'entity_writer' });
    const migrate = (await packagedFiles(stage)).find((f) => f.zip === 'migrate.zip' && f.file.endsWith('.cjs'));
    expect(migrate?.text).toContain('CREATE INDEX entities_attributes_path_ops');
  });

  it('throttles per tenant (issue 18): API keys from the authorizer, required behind it, a default usage plan and the service client tenant\'s key in it', async () => {
    const template = await packagedTemplate(stage);
    expect(props(template, 'ApiGatewayRestApi').ApiKeySourceType).toBe('AUTHORIZER');
    const methods = resourcesOfType(template, 'AWS::ApiGateway::Method').map(([, r]) => r.Properties!);
    const behindAuthorizer = methods.filter((m) => m['AuthorizationType'] === 'CUSTOM');
    expect(behindAuthorizer.length).toBeGreaterThanOrEqual(11);
    for (const method of behindAuthorizer) expect(method['ApiKeyRequired']).toBe(true);
    for (const method of methods.filter((m) => m['AuthorizationType'] !== 'CUSTOM')) expect(method['ApiKeyRequired']).not.toBe(true);
    expect(props(template, 'TenantUsagePlanDefault')).toMatchObject({ Throttle: { RateLimit: 50, BurstLimit: 100 }, ApiStages: [{ ApiId: { Ref: 'ApiGatewayRestApi' }, Stage: { Ref: 'ApiGatewayStage' } }] });
    expect(props(template, 'TenantApiKeyplatform')).toMatchObject({ Value: `entity-platform-${stage}-tenant-platform`, Enabled: true });
    expect(props(template, 'TenantUsagePlanKeyplatform').UsagePlanId).toEqual({ Ref: 'TenantUsagePlanDefault' });
    // The authorizer returns `<prefix><tenant>` as the usage identifier (src/identity/authorizerPolicy.ts).
    expect(props(template, 'AuthorizerLambdaFunction').Environment.Variables.USAGE_KEY_PREFIX).toBe(`entity-platform-${stage}-tenant-`);
  });

  it('declares the single table (the platform stack\'s) with its keys, indexes, PITR, SSE, stream and TTL', async () => {
    const template = await packagedPlatformTemplate(stage);
    const table = template.Resources['EntitiesTable']!;
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    const p = table.Properties!;
    expect(p.TableName).toBe(`entity-platform-${stage}-entities`);
    expect(p.BillingMode).toBe('PAY_PER_REQUEST');
    expect(p.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }]);
    const indexes = Object.fromEntries((p.GlobalSecondaryIndexes as { IndexName: string; KeySchema: { AttributeName: string }[] }[]).map((i) => [i.IndexName, i.KeySchema.map((k) => k.AttributeName)]));
    expect(indexes).toEqual({ NameIndex: ['nameKey', 'nameScope'], TenantIndex: ['tenantKey', 'listKey'], PublicIndex: ['publicKey', 'listKey'] });
    expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(p.SSESpecification).toMatchObject({ SSEEnabled: true });
    expect(p.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(p.DeletionProtectionEnabled).toBe(stage === 'prod');
    expect(table.DeletionPolicy).toBe(stage === 'prod' ? 'Retain' : 'Delete');
  });

  it('declares the Cognito pool, scopes, clients, admin group and tenant-claim trigger', async () => {
    const template = await packagedTemplate(stage);
    const platform = await packagedPlatformTemplate(stage);
    const pool = props(platform, 'UserPool');
    // The trigger invokes the function's `live` alias, which CodeDeploy shifts (scripts/serverless/platform.cjs);
    // the pool, in the platform stack, names it by ARN (tests/infrastructure/stacks.test.ts resolves it).
    expect(pool.LambdaConfig.PreTokenGenerationConfig).toEqual({ LambdaArn: { 'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:entity-platform-${stage}-preTokenGeneration:live` }, LambdaVersion: 'V3_0' });
    expect(pool.DeletionProtection).toBe(stage === 'prod' ? 'ACTIVE' : 'INACTIVE');
    expect(props(platform, 'EntitiesResourceServer')).toMatchObject({ Identifier: 'entities', Scopes: [{ ScopeName: 'read' }, { ScopeName: 'write' }] });
    expect(props(template, 'UserAppClient')).toMatchObject({ GenerateSecret: false, AllowedOAuthFlows: ['code'], WriteAttributes: ['email'] });
    expect(props(platform, 'ServiceClient')).toMatchObject({ GenerateSecret: true, AllowedOAuthFlows: ['client_credentials'], AllowedOAuthScopes: ['entities/read', 'entities/write'] });
    expect(props(platform, 'AdminGroup')).toMatchObject({ GroupName: 'admin' });
    expect(props(template, 'PreTokenGenerationInvokePermission')).toMatchObject({ Principal: 'cognito-idp.amazonaws.com' });
    expect(props(template, 'RuntimeSecret').Name).toBe(`entity-platform/${stage}/runtime`);
  });

  it('carries no trace of the local issuer or the in-process cache, in the template or in any bundle', async () => {
    const template = JSON.stringify(await packagedTemplate(stage));
    const markers = [...LOCAL_ISSUER_MARKERS, LOCAL_CACHE_MARKER];
    for (const marker of markers) expect(template, marker).not.toContain(marker);
    const files = await packagedFiles(stage);
    expect(files.filter((f) => f.file.endsWith('.cjs')).map((f) => f.zip).sort()).toEqual(FUNCTIONS.map((n) => `${n[0]!.toLowerCase()}${n.slice(1)}.zip`).sort());
    for (const { zip, file, text } of files) {
      for (const marker of markers) expect(text.includes(marker), `${marker} in ${zip}:${file}`).toBe(false);
    }
  });
});

describe('packaged local stage (the positive control of the check above)', () => {
  it('does contain the local issuer, so the markers really detect it', async () => {
    const authorizer = (await packagedFiles('local')).find((f) => f.zip === 'authorizer.zip' && f.file.endsWith('.cjs'));
    expect(authorizer?.text).toContain('local-issuer');
    expect(LOCAL_ISSUER_MARKERS.filter((m) => authorizer?.text.includes(m)).length).toBeGreaterThanOrEqual(3);
  });

  it('does contain the in-process cache where the cache is used', async () => {
    const getEntity = (await packagedFiles('local')).find((f) => f.zip === 'getEntity.zip' && f.file.endsWith('.cjs'));
    expect(getEntity?.text).toContain(LOCAL_CACHE_MARKER);
  });
});

/** An event source mapping's FunctionName (the function's ARN or a Ref to its alias) → the function's logical id. */
function functionOf(template: Template, reference: any): string {
  const id: string = reference?.['Fn::GetAtt']?.[0] ?? reference?.Ref;
  const resource = template.Resources[id];
  return resource?.Type === 'AWS::Lambda::Alias' ? functionOf(template, resource.Properties!.FunctionName) : id;
}

describe.each(['dev', 'prod'] as const)('packaged event pipeline (%s)', (stage) => {
  it('publishes from the stream with a filter, bisect, retry limit and on-failure destination', async () => {
    const template = await packagedTemplate(stage);
    const mapping = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').map(([, r]) => r.Properties!).find((p) => p.EventSourceArn?.['Fn::ImportValue'] === `entity-platform-${stage}-platform:EntitiesTableStreamArn`);
    expect(functionOf(template, mapping!.FunctionName)).toBe('PublishEntityEventsLambdaFunction');
    expect(mapping).toMatchObject({
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['PublisherFailureQueue', 'Arn'] } } },
    });
    expect(JSON.parse(mapping!.FilterCriteria.Filters[0].Pattern)).toEqual({ dynamodb: { NewImage: { type: { S: ['Entity', 'Tombstone'] } } } });
  });

  it('routes every entity event to each consumer queue, which has SSE, a DLQ and a long enough visibility timeout', async () => {
    const template = await packagedTemplate(stage);
    expect(props(template, 'EntityEventBus').Name).toBe(`entity-platform-${stage}-events`);
    expect(props(template, 'EntityEventArchive')).toMatchObject({ SourceArn: { 'Fn::GetAtt': ['EntityEventBus', 'Arn'] } });
    const consumers = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').map(([, r]) => r.Properties!).filter((p) => template.Resources[p.EventSourceArn?.['Fn::GetAtt']?.[0]]?.Type === 'AWS::SQS::Queue');
    expect(consumers.length).toBeGreaterThan(0);
    for (const consumer of consumers) {
      const queueId = consumer.EventSourceArn['Fn::GetAtt'][0] as string;
      const queue = props(template, queueId);
      const fn = props(template, functionOf(template, consumer.FunctionName));
      expect(consumer.FunctionResponseTypes, queueId).toEqual(['ReportBatchItemFailures']);
      expect(queue.KmsMasterKeyId, queueId).toEqual({ 'Fn::ImportValue': `entity-platform-${stage}-platform:PlatformKeyArn` });
      expect(queue.VisibilityTimeout, queueId).toBeGreaterThanOrEqual(6 * fn.Timeout);
      expect(queue.RedrivePolicy, queueId).toMatchObject({ maxReceiveCount: expect.any(Number), deadLetterTargetArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } });
      const rule = resourcesOfType(template, 'AWS::Events::Rule').find(([, r]) => r.Properties!.Targets.some((t: { Arn: unknown }) => JSON.stringify(t.Arn) === JSON.stringify({ 'Fn::GetAtt': [queueId, 'Arn'] })));
      expect(rule?.[1].Properties, queueId).toMatchObject({ EventBusName: { Ref: 'EntityEventBus' }, EventPattern: { source: ['entity-platform.entities'], 'detail-type': ['EntityCreated', 'EntityUpdated', 'EntityDeleted'] } });
    }
  });
});
