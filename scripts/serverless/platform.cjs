// The parts of the template that follow from the functions, queues and streams the service has,
// so every one added later is covered without new YAML: the API stage's deployment, log-group
// encryption and retention, per-function alarms, DLQ-depth and iterator-age alarms, the dashboard,
// and each function's `live` alias deployed by CodeDeploy. Pure functions over the compiled
// template (tests/unit/scripts/serverless/platform.test.ts); platformPlugin.cjs applies them when packaging.

/** @typedef {{ Type: string, Properties?: Record<string, any>, DependsOn?: string | string[], Condition?: string, UpdatePolicy?: any, DeletionPolicy?: string }} Resource */
/** @typedef {{ Resources: Record<string, Resource>, Outputs?: Record<string, any>, Conditions?: Record<string, any> }} Template */
/** @typedef {{ name: string, logicalId: string, functionName: string }} PlatformFunction */

const getAtt = (id, attribute) => ({ 'Fn::GetAtt': [id, attribute] });
const ref = (id) => ({ Ref: id });

function ofType(template, type) {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/** The logical id an `{Fn::GetAtt: [X, attribute]}` (either form) names, or undefined. */
function getAttTarget(value, attribute) {
  const att = value && typeof value === 'object' ? value['Fn::GetAtt'] : undefined;
  if (Array.isArray(att) && att[1] === attribute) return att[0];
  if (typeof att === 'string' && att.endsWith(`.${attribute}`)) return att.slice(0, -attribute.length - 1);
  return undefined;
}

/**
 * The API stage is a resource of its own (edge.yml) so that its settings are in the template;
 * serverless creates the stage implicitly through the deployment's StageName, so that goes.
 */
function wireApiStage(template, stageId) {
  const stage = template.Resources[stageId];
  const deployments = ofType(template, 'AWS::ApiGateway::Deployment');
  if (!stage || deployments.length !== 1) return;
  const [deploymentId, deployment] = deployments[0];
  delete deployment.Properties.StageName;
  stage.Properties.DeploymentId = ref(deploymentId);
}

/** Every log group (the functions' included) is encrypted with the platform key and expires. */
function secureLogGroups(template, keyArn, retentionInDays) {
  for (const [, group] of ofType(template, 'AWS::Logs::LogGroup')) {
    group.Properties ??= {};
    group.Properties.KmsKeyId ??= keyArn;
    group.Properties.RetentionInDays ??= retentionInDays;
  }
}

function alarm({ name, description, namespace, metric, dimensions, statistic, period, evaluationPeriods, threshold, topicId }) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: name,
      AlarmDescription: description,
      Namespace: namespace,
      MetricName: metric,
      Dimensions: dimensions,
      Statistic: statistic,
      Period: period,
      EvaluationPeriods: evaluationPeriods,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [ref(topicId)],
      OKActions: [ref(topicId)],
    },
  };
}

/** Errors and throttles of every function: they page, and they roll a canary back. */
function functionAlarms(template, functions, topicId) {
  for (const fn of functions) {
    const dimensions = [{ Name: 'FunctionName', Value: fn.functionName }];
    template.Resources[`${fn.logicalId}ErrorsAlarm`] = alarm({ name: `${fn.functionName}-errors`, description: `${fn.name}: invocation errors`, namespace: 'AWS/Lambda', metric: 'Errors', dimensions, statistic: 'Sum', period: 60, evaluationPeriods: 1, threshold: 0, topicId });
    template.Resources[`${fn.logicalId}ThrottlesAlarm`] = alarm({ name: `${fn.functionName}-throttles`, description: `${fn.name}: throttled invocations`, namespace: 'AWS/Lambda', metric: 'Throttles', dimensions, statistic: 'Sum', period: 60, evaluationPeriods: 1, threshold: 0, topicId });
  }
}

/** Queues used as a dead-letter target anywhere in the template (redrive, function or target DLQs, on-failure destinations). */
function deadLetterQueues(template) {
  const queues = new Set(ofType(template, 'AWS::SQS::Queue').map(([id]) => id));
  const found = new Set();
  const visit = (value, key) => {
    if (Array.isArray(value)) return value.forEach((v) => visit(v, key));
    if (!value || typeof value !== 'object') return;
    if (['deadLetterTargetArn', 'DeadLetterConfig', 'OnFailure'].includes(key)) {
      const candidates = [value, value.TargetArn, value.Arn, value.Destination];
      for (const c of candidates) {
        const id = getAttTarget(c, 'Arn');
        if (id && queues.has(id)) found.add(id);
      }
    }
    for (const [k, v] of Object.entries(value)) visit(v, k);
  };
  for (const [, r] of Object.entries(template.Resources)) visit(r.Properties, '');
  return [...found].sort();
}

/** A message in a DLQ is a failure nobody handled: alarm on the first one. */
function deadLetterAlarms(template, topicId) {
  for (const queueId of deadLetterQueues(template)) {
    const id = `${queueId}DepthAlarm`;
    template.Resources[id] ??= {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmDescription: `Messages in the dead-letter queue ${queueId}`,
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: getAtt(queueId, 'QueueName') }],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [ref(topicId)],
        OKActions: [ref(topicId)],
      },
    };
  }
}

/** Stream consumers that fall behind (DynamoDB Streams keeps records 24 h). */
function iteratorAgeAlarms(template, functions, topicId) {
  for (const [, mapping] of ofType(template, 'AWS::Lambda::EventSourceMapping')) {
    // A stream's mapping (DynamoDB, Kinesis) has a starting position; a queue's or a broker's has none.
    if (mapping.Properties?.StartingPosition === undefined) continue;
    const target = mapping.Properties.FunctionName;
    const fn = functions.find((f) => getAttTarget(target, 'Arn') === f.logicalId || target?.Ref === f.logicalId || getAttTarget(target, 'Arn') === `${f.logicalId}AliasLive` || target?.Ref === `${f.logicalId}AliasLive`);
    if (!fn) continue;
    template.Resources[`${fn.logicalId}IteratorAgeAlarm`] = alarm({ name: `${fn.functionName}-iterator-age`, description: `${fn.name}: stream records older than 60 s`, namespace: 'AWS/Lambda', metric: 'IteratorAge', dimensions: [{ Name: 'FunctionName', Value: fn.functionName }], statistic: 'Maximum', period: 300, evaluationPeriods: 1, threshold: 60_000, topicId });
  }
}

const ALIAS_CALLERS = new Set(['AWS::ApiGateway::Method', 'AWS::ApiGateway::Authorizer', 'AWS::Lambda::Permission', 'AWS::Cognito::UserPool', 'AWS::Lambda::EventSourceMapping', 'AWS::Events::Rule', 'AWS::Scheduler::Schedule', 'AWS::SNS::Subscription', 'AWS::Pipes::Pipe']);

/** Replaces every reference to a function (its Arn, or a Ref where a function name is expected) with its alias. */
function pointAtAliases(template, aliasOf) {
  const rewrite = (value, key) => {
    if (Array.isArray(value)) return value.map((v) => rewrite(v, key));
    if (!value || typeof value !== 'object') return value;
    const arnOf = getAttTarget(value, 'Arn');
    if (arnOf && aliasOf.has(arnOf)) return ref(aliasOf.get(arnOf));
    if (key === 'FunctionName' && typeof value.Ref === 'string' && aliasOf.has(value.Ref)) return ref(aliasOf.get(value.Ref));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v, k)]));
  };
  for (const [, resource] of Object.entries(template.Resources)) {
    if (ALIAS_CALLERS.has(resource.Type) && resource.Properties) resource.Properties = rewrite(resource.Properties, '');
  }
}

/**
 * Every function is published as a version and served through its `live` alias, which CodeDeploy
 * moves to a new version with the stage's deployment configuration (all at once in dev, linear in
 * staging, canary in prod), stopping and rolling back when the function's alarms or the rollback
 * alarms fire. Everything that invokes a function invokes the alias.
 */
function aliasDeployments(template, functions, { deploymentConfig, rollbackAlarms = [], service, stage }) {
  // Named, so that each alias's update policy names it as a plain string: the alias sits in its
  // function's nested stack (docs/deploy.md, "Stacks"), the application in the root stack.
  const applicationName = `${service}-${stage}`;
  template.Resources.CodeDeployApplication = { Type: 'AWS::CodeDeploy::Application', Properties: { ApplicationName: applicationName, ComputePlatform: 'Lambda' } };
  template.Resources.CodeDeployServiceRole = {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'codedeploy.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
      ManagedPolicyArns: [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited' }],
    },
  };
  const aliasOf = new Map();
  for (const fn of functions) {
    const version = ofType(template, 'AWS::Lambda::Version').find(([, v]) => v.Properties?.FunctionName?.Ref === fn.logicalId);
    if (!version) throw new Error(`${fn.name} has no published version: aliases need versionFunctions: true`);
    const groupId = `${fn.logicalId}DeploymentGroup`;
    const aliasId = `${fn.logicalId}AliasLive`;
    template.Resources[groupId] = {
      Type: 'AWS::CodeDeploy::DeploymentGroup',
      Properties: {
        ApplicationName: ref('CodeDeployApplication'),
        ServiceRoleArn: getAtt('CodeDeployServiceRole', 'Arn'),
        DeploymentConfigName: deploymentConfig,
        DeploymentStyle: { DeploymentType: 'BLUE_GREEN', DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
        AutoRollbackConfiguration: { Enabled: true, Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
        AlarmConfiguration: {
          Enabled: true,
          Alarms: [`${fn.logicalId}ErrorsAlarm`, `${fn.logicalId}ThrottlesAlarm`, ...rollbackAlarms].map((id) => ({ Name: ref(id) })),
        },
      },
    };
    template.Resources[aliasId] = {
      Type: 'AWS::Lambda::Alias',
      Properties: { FunctionName: ref(fn.logicalId), FunctionVersion: getAtt(version[0], 'Version'), Name: 'live' },
      UpdatePolicy: { CodeDeployLambdaAliasUpdate: { ApplicationName: applicationName, DeploymentGroupName: ref(groupId) } },
    };
    aliasOf.set(fn.logicalId, aliasId);
  }
  pointAtAliases(template, aliasOf);
}

function metricWidget(title, metrics, { stat = 'Sum', period = 60, width = 12 } = {}) {
  return { type: 'metric', width, height: 6, properties: { title, region: '${AWS::Region}', stat, period, view: 'timeSeries', metrics } };
}

/** Golden signals (traffic, errors, latency, saturation) of every layer on one dashboard. */
function dashboard(template, functions, { service, stage, tableName, cache }) {
  const api = ['ApiName', `${stage}-${service}`, 'Stage', stage];
  const cluster = `${service}-${stage}`;
  const fnMetrics = (metric) => functions.map((f) => ['AWS/Lambda', metric, 'FunctionName', f.functionName, { label: f.name }]);
  const widgets = [
    metricWidget('API: requests and errors', [['AWS/ApiGateway', 'Count', ...api], ['AWS/ApiGateway', '4XXError', ...api], ['AWS/ApiGateway', '5XXError', ...api]]),
    metricWidget('API: latency p99 (budget 150 ms; compute 100 ms)', [['AWS/ApiGateway', 'Latency', ...api], ['AWS/ApiGateway', 'IntegrationLatency', ...api]], { stat: 'p99', period: 300 }),
    metricWidget('Lambda: invocations', fnMetrics('Invocations')),
    metricWidget('Lambda: errors', fnMetrics('Errors')),
    metricWidget('Lambda: throttles', fnMetrics('Throttles')),
    metricWidget('Lambda: duration p99', fnMetrics('Duration'), { stat: 'p99', period: 300 }),
    metricWidget('Lambda: concurrency', [['AWS/Lambda', 'ConcurrentExecutions']], { stat: 'Maximum' }),
    metricWidget('DynamoDB: latency p99 (budget 10 ms)', ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'].map((op) => ['AWS/DynamoDB', 'SuccessfulRequestLatency', 'TableName', tableName, 'Operation', op]), { stat: 'p99', period: 300 }),
    metricWidget('DynamoDB: capacity and throttles', [['AWS/DynamoDB', 'ConsumedReadCapacityUnits', 'TableName', tableName], ['AWS/DynamoDB', 'ConsumedWriteCapacityUnits', 'TableName', tableName], ['AWS/DynamoDB', 'ReadThrottleEvents', 'TableName', tableName], ['AWS/DynamoDB', 'WriteThrottleEvents', 'TableName', tableName]]),
    metricWidget('RDS: CPU, connections', [['AWS/RDS', 'CPUUtilization', 'DBInstanceIdentifier', cluster], ['AWS/RDS', 'DatabaseConnections', 'DBInstanceIdentifier', cluster, { yAxis: 'right' }]], { stat: 'Average', period: 300 }),
    metricWidget('RDS: latency', [['AWS/RDS', 'ReadLatency', 'DBInstanceIdentifier', cluster], ['AWS/RDS', 'WriteLatency', 'DBInstanceIdentifier', cluster]], { stat: 'Average', period: 300 }),
    // Per member cluster: ElastiCache publishes per CacheClusterId, not per replication group.
    metricWidget('Cache: CPU, hit rate, evictions per member (budget 5 ms)', cacheClusterIds(cache ?? { replicationGroupId: cluster, nodes: 1 }).flatMap((member) => [
      ['AWS/ElastiCache', 'EngineCPUUtilization', 'CacheClusterId', member],
      ['AWS/ElastiCache', 'CacheHitRate', 'CacheClusterId', member],
      ['AWS/ElastiCache', 'Evictions', 'CacheClusterId', member, { yAxis: 'right', stat: 'Sum' }],
    ]), { stat: 'Average', period: 300 }),
    metricWidget('ECS worker: CPU and memory', [['ECS/ContainerInsights', 'CpuUtilized', 'ClusterName', cluster, 'TaskDefinitionFamily', `${cluster}-worker`], ['ECS/ContainerInsights', 'MemoryUtilized', 'ClusterName', cluster, 'TaskDefinitionFamily', `${cluster}-worker`]], { stat: 'Average', period: 300 }),
    metricWidget('Read model lag p99 (s)', [['EntityPlatform', 'ReadModelLagSeconds', 'service', service]], { stat: 'p99', period: 300 }),
  ];
  const dlqs = deadLetterQueues(template);
  if (dlqs.length > 0) widgets.push(metricWidget('Dead-letter queues: messages', dlqs.map((q) => ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', `\${${q}.QueueName}`]), { stat: 'Maximum' }));
  template.Resources.Dashboard = {
    Type: 'AWS::CloudWatch::Dashboard',
    Properties: { DashboardName: `${service}-${stage}`, DashboardBody: { 'Fn::Sub': JSON.stringify({ widgets }) } },
  };
}

/**
 * API Gateway's stage cache keys on the path alone unless a method names its cache-key parameters,
 * and serverless's generated methods name none: a shared entry could then serve one caller's
 * answer to another. Each cached method (`methods`: logical id → its path and query parameters)
 * declares those parameters, the `Authorization` header (anonymous and authenticated callers,
 * and each token, get their own entries) and `If-None-Match` (a 304 is never replayed to a
 * caller without one), and keys its integration on all of them. Whether the stage caches at all
 * is the stage's setting (edge.yml, `gatewayCache` per stage).
 */
function gatewayCacheKeys(template, methods = {}) {
  for (const [id, parameters] of Object.entries(methods)) {
    const method = template.Resources[id];
    if (!method || method.Type !== 'AWS::ApiGateway::Method') throw new Error(`gateway cache: ${id} is not a method of the template`);
    const keys = [...parameters, 'method.request.header.Authorization', 'method.request.header.If-None-Match'];
    method.Properties.RequestParameters = { ...method.Properties.RequestParameters };
    for (const key of keys) method.Properties.RequestParameters[key] ??= false;
    method.Properties.Integration = { ...method.Properties.Integration, CacheKeyParameters: keys, CacheNamespace: id };
  }
}

/**
 * Per-tenant throttling (docs/limits.md): the TOKEN authorizer returns a usage identifier per
 * tenant (`usageIdentifierKey`, the tenant's API key value: `<keyPrefix><tenant>`), the REST API
 * takes API keys from the authorizer, and every method behind the authorizer requires one, so API
 * Gateway throttles each tenant by the usage plan its key is in. The default plan holds the
 * tenants in `tenants` (keys declared here); each of `overrides` (tenant → {rate, burst}) gets a
 * plan and a key of its own. Other tenants' keys are added to the default plan by the documented
 * CLI step; a tenant without a key is refused by the gateway (403).
 */
function tenantUsagePlans(template, usage, apiStage) {
  if (!usage) return;
  const resources = template.Resources;
  resources.ApiGatewayRestApi.Properties.ApiKeySourceType = 'AUTHORIZER';
  for (const resource of Object.values(resources)) {
    if (resource.Type === 'AWS::ApiGateway::Method' && resource.Properties.AuthorizationType === 'CUSTOM') resource.Properties.ApiKeyRequired = true;
  }
  const logical = (tenant) => tenant.replace(/[^A-Za-z0-9]/g, (c) => `x${c.charCodeAt(0).toString(16)}`);
  const plan = (id, name, limits, description) => {
    resources[id] = {
      Type: 'AWS::ApiGateway::UsagePlan',
      DependsOn: [apiStage],
      Properties: {
        UsagePlanName: name,
        Description: description,
        ApiStages: [{ ApiId: { Ref: 'ApiGatewayRestApi' }, Stage: { Ref: apiStage } }],
        Throttle: { RateLimit: Number(limits.rate), BurstLimit: Number(limits.burst) },
      },
    };
  };
  const key = (tenant, planId) => {
    const id = `TenantApiKey${logical(tenant)}`;
    resources[id] = { Type: 'AWS::ApiGateway::ApiKey', Properties: { Name: `${usage.keyPrefix}${tenant}`, Value: `${usage.keyPrefix}${tenant}`, Enabled: true, Description: `Usage identifier of tenant ${tenant} (returned by the authorizer; never sent by clients)` } };
    resources[`TenantUsagePlanKey${logical(tenant)}`] = { Type: 'AWS::ApiGateway::UsagePlanKey', Properties: { KeyId: { Ref: id }, KeyType: 'API_KEY', UsagePlanId: { Ref: planId } } };
  };
  plan('TenantUsagePlanDefault', `${usage.keyPrefix}(default)`, usage.default, 'Every tenant not overridden: requests per second per tenant');
  template.Outputs = { ...template.Outputs, TenantUsagePlanDefaultId: { Description: 'Add a tenant: its API key (value <keyPrefix><tenant>) goes into this usage plan', Value: { Ref: 'TenantUsagePlanDefault' } } };
  const overrides = usage.overrides ?? {};
  for (const tenant of usage.tenants ?? []) if (!(tenant in overrides)) key(tenant, 'TenantUsagePlanDefault');
  for (const [tenant, limits] of Object.entries(overrides)) {
    const planId = `TenantUsagePlan${logical(tenant)}`;
    plan(planId, `${usage.keyPrefix}${tenant}`, limits, `Tenant ${tenant}: its own limits`);
    key(tenant, planId);
  }
}


const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const isLocalUrl = (url) => {
  const host = typeof url === 'string' ? /^[a-z][a-z0-9+.-]*:\/\/(\[[^\]]*\]|[^/:?#]+)/i.exec(url)?.[1]?.toLowerCase() : undefined;
  return host !== undefined && (LOCAL_HOSTS.has(host) || host.endsWith('.localhost'));
};

/**
 * Refuses, at package time, a stage that would deploy but not work as promised: one that must
 * page someone (prod) with nobody subscribed to its alarms, and one outside dev and local whose
 * hosted UI may send people (and their authorization codes) back to a localhost URL.
 */
function checkStage(config) {
  const problems = [];
  const alarms = config.alarmSubscription ?? {};
  if (alarms.required && !alarms.endpoint) {
    problems.push(`Stage ${config.stage} needs an alarm subscription: set ALARM_SUBSCRIPTION_ENDPOINT (an e-mail address; another SNS protocol with the alarmSubscriptionProtocol param) or the stage's alarmSubscriptionEndpoint param in serverless.yml.`);
  }
  const oauth = config.oauth ?? {};
  const local = [...(oauth.callbackUrls ?? []), ...(oauth.logoutUrls ?? [])].filter(isLocalUrl);
  if (local.length > 0 && !oauth.allowLocalhost) {
    problems.push(`Stage ${config.stage} may not send sign-ins back to ${local.join(', ')}: localhost callback and logout URLs are for the dev and local stages only (oauthCallbackUrls, oauthLogoutUrls params).`);
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

/** The alarm topic's subscriber (e-mail or another SNS protocol), where the stage names one. */
function alarmSubscription(template, topicId, subscription = {}) {
  if (!subscription.endpoint) return;
  template.Resources.AlarmSubscription = {
    Type: 'AWS::SNS::Subscription',
    Properties: { TopicArn: ref(topicId), Protocol: subscription.protocol ?? 'email', Endpoint: subscription.endpoint },
  };
}

/** The stage's extra OAuth callback and logout URLs (besides the console's), on the people's app client. */
function oauthUrls(template, clientId, oauth = {}) {
  const client = template.Resources[clientId];
  if (!client) return;
  client.Properties.CallbackURLs = [...(client.Properties.CallbackURLs ?? []), ...(oauth.callbackUrls ?? [])];
  client.Properties.LogoutURLs = [...(client.Properties.LogoutURLs ?? []), ...(oauth.logoutUrls ?? [])];
}

/** Each API Gateway resource's full path (`/api/v1/secure/entities/{id}`), from the PathPart/ParentId chain. */
function resourcePaths(template) {
  const paths = new Map();
  const pathOf = (id) => {
    if (paths.has(id)) return paths.get(id);
    const resource = template.Resources[id];
    const parent = resource.Properties.ParentId;
    const parentPath = parent && parent.Ref ? pathOf(parent.Ref) : '';
    const path = `${parentPath}/${resource.Properties.PathPart}`;
    paths.set(id, path);
    return path;
  };
  for (const [id] of ofType(template, 'AWS::ApiGateway::Resource')) pathOf(id);
  return paths;
}

/**
 * The seeds' rates on every method, derived from the methods the API has (so a route added later
 * gets its limit): GETs under /api/v1/data `data` (1000 RPS), every method under /api/v1/secure
 * `secure` (500 RPS), each with its burst; the /api/v1/data GETs named in `cachedMethods` are
 * served from the stage cache where `cache` is on. The stage's default setting ('/*') caps the rest
 * (health, the 405 answers, CORS preflights).
 */
function methodThrottles(template, stageId, throttles) {
  const stage = template.Resources[stageId];
  if (!stage || !throttles) return;
  const paths = resourcePaths(template);
  const escape = (path) => path.replace(/\//g, '~1');
  const settings = [];
  for (const [id, method] of ofType(template, 'AWS::ApiGateway::Method')) {
    const httpMethod = method.Properties.HttpMethod;
    if (httpMethod === 'OPTIONS' || httpMethod === 'ANY') continue;
    const path = paths.get(method.Properties.ResourceId?.Ref);
    if (!path) continue;
    const kind = path.startsWith('/api/v1/data/') && httpMethod === 'GET' ? 'data' : path.startsWith('/api/v1/secure/') ? 'secure' : undefined;
    if (!kind) continue;
    const limits = throttles[kind];
    const cached = kind === 'data' && Object.hasOwn(throttles.cachedMethods ?? {}, id);
    settings.push({
      ResourcePath: `/${escape(path)}`,
      HttpMethod: httpMethod,
      ThrottlingRateLimit: Number(limits.rate),
      ThrottlingBurstLimit: Number(limits.burst),
      MetricsEnabled: true,
      CachingEnabled: cached ? Boolean(throttles.cache) : false,
      ...(cached && { CacheTtlInSeconds: 60, CacheDataEncrypted: true }),
    });
  }
  const generated = new Set(settings.map((s) => `${s.HttpMethod} ${s.ResourcePath}`));
  const kept = (stage.Properties.MethodSettings ?? []).filter((s) => !generated.has(`${s.HttpMethod} ${s.ResourcePath}`));
  stage.Properties.MethodSettings = [...kept, ...settings.sort((a, b) => `${a.ResourcePath} ${a.HttpMethod}`.localeCompare(`${b.ResourcePath} ${b.HttpMethod}`))];
}

/** The replication group's member clusters: ElastiCache names them `<group>-001`, `-002`, … and publishes per member (CacheClusterId). */
function cacheClusterIds(cache) {
  return Array.from({ length: Number(cache.nodes) }, (_, i) => `${cache.replicationGroupId}-${String(i + 1).padStart(3, '0')}`);
}

/**
 * The cache's alarms over every member's metric (the primary can move on failover): engine CPU
 * above 80 % for 2 x 5 minutes, and evictions above the stage's threshold, each the maximum over
 * the members. ElastiCache publishes these per CacheClusterId (and CacheNodeId), never per
 * replication group.
 */
function cacheAlarms(template, topicId, cache) {
  if (!cache) return;
  const members = cacheClusterIds(cache);
  const overMembers = (metric, stat) => [
    ...members.map((member, i) => ({ Id: `m${i + 1}`, ReturnData: false, MetricStat: { Metric: { Namespace: 'AWS/ElastiCache', MetricName: metric, Dimensions: [{ Name: 'CacheClusterId', Value: member }] }, Period: 300, Stat: stat } })),
    { Id: 'worst', Expression: `MAX([${members.map((_, i) => `m${i + 1}`).join(', ')}])`, Label: `${metric} (worst member)`, ReturnData: true },
  ];
  const cacheAlarm = (name, description, metric, stat, threshold) => ({
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: `${cache.replicationGroupId}-${name}`,
      AlarmDescription: description,
      Metrics: overMembers(metric, stat),
      EvaluationPeriods: 2,
      Threshold: Number(threshold),
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [ref(topicId)],
    },
  });
  template.Resources.CacheCpuAlarm = cacheAlarm('cache-cpu', 'Cache engine CPU above 80 % for 2 x 5 minutes (any member)', 'EngineCPUUtilization', 'Maximum', 80);
  template.Resources.CacheEvictionsAlarm = cacheAlarm('cache-evictions', 'The cache evicts keys (too small for the hot set)', 'Evictions', 'Sum', cache.evictionsThreshold ?? 0);
}

/**
 * The read model's readers start on new code only after the deploy's migrations: their `live`
 * aliases (and the worker's task definition) wait for the migrations' custom resource.
 */
function migrationsFirst(template, functions, migrations) {
  if (!migrations || !template.Resources[migrations.resource]) return;
  const waiting = [
    ...migrations.readers.map((name) => {
      const fn = functions.find((f) => f.name === name);
      if (!fn) throw new Error(`migrations: ${name} is not a function of the service`);
      return `${fn.logicalId}AliasLive`;
    }),
    ...(migrations.resources ?? []),
  ];
  for (const id of waiting) {
    const resource = template.Resources[id];
    if (!resource) throw new Error(`migrations: ${id} is not a resource of the template`);
    resource.DependsOn = [...new Set([[resource.DependsOn ?? []].flat(), migrations.resource].flat())];
  }
}

/** Everything above, in order (alarms before the aliases that name them). */
function applyPlatform(template, functions, config) {
  checkStage(config);
  wireApiStage(template, config.apiStage);
  methodThrottles(template, config.apiStage, config.throttles && { ...config.throttles, cachedMethods: config.gatewayCacheMethods });
  alarmSubscription(template, config.alarmTopic, config.alarmSubscription);
  oauthUrls(template, config.oauth?.client, config.oauth);
  cacheAlarms(template, config.alarmTopic, config.cache);
  tenantUsagePlans(template, config.tenantUsage, config.apiStage);
  gatewayCacheKeys(template, config.gatewayCacheMethods);
  secureLogGroups(template, config.encryptionKeyArn, config.logRetentionInDays);
  functionAlarms(template, functions, config.alarmTopic);
  deadLetterAlarms(template, config.alarmTopic);
  iteratorAgeAlarms(template, functions, config.alarmTopic);
  aliasDeployments(template, functions, config);
  migrationsFirst(template, functions, config.migrations);
  dashboard(template, functions, config);
  return template;
}

module.exports = { applyPlatform, checkStage, alarmSubscription, oauthUrls, resourcePaths, methodThrottles, cacheClusterIds, cacheAlarms, migrationsFirst, wireApiStage, tenantUsagePlans, gatewayCacheKeys, secureLogGroups, functionAlarms, deadLetterQueues, deadLetterAlarms, iteratorAgeAlarms, aliasDeployments, pointAtAliases, dashboard };
