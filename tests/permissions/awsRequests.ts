import type { AwsCall } from '../../src/observability/awsCallLog.ts';
import { ACCOUNT, REGION, type StageModel } from './stageModel.ts';

/**
 * What IAM evaluates when the functions of a stage make the calls recorded during the test run,
 * and what the services do on their behalf: one request per action and resource, with its
 * principal (a function's role, the worker's task role, or a service) and the condition context
 * AWS would supply.
 */
export interface IamRequest {
  /** Who asks: a role's logical id, or a service principal (`events.amazonaws.com`). */
  readonly principal: { readonly role: string } | { readonly service: string };
  readonly action: string;
  readonly resource: string;
  readonly context: Readonly<Record<string, string | string[]>>;
  /** What caused it, for the failure message: the recorded call, or the template feature. */
  readonly because: string;
}

type Json = Record<string, unknown>;
const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

/**
 * The stage's view of the local names the functions used: the local stage names its resources
 * like the others (`entity-platform-local-…`), so a name maps to the logical id that holds it in
 * the packaged local template, and from there to the resource of the stage being checked.
 */
export class LocalNames {
  private readonly byName = new Map<string, string>();

  constructor(local: StageModel) {
    for (const [id] of local.resources()) this.byName.set(local.physicalName(id), id);
    // The jobs settings name the cluster, task definition and bucket the job functions use.
    for (const [, fn] of local.resources('AWS::Lambda::Function')) {
      const variables = (fn.Properties?.['Environment'] as { Variables?: Json } | undefined)?.Variables;
      if (typeof variables?.['JOB_SETTINGS'] !== 'string') continue;
      const settings = JSON.parse(variables['JOB_SETTINGS']) as Record<string, string>;
      const kinds: Record<string, string> = { cluster: 'AWS::ECS::Cluster', taskDefinition: 'AWS::ECS::TaskDefinition', jobsBucket: 'AWS::S3::Bucket' };
      for (const [key, type] of Object.entries(kinds)) {
        const candidates = local.resources(type).filter(([id]) => type !== 'AWS::S3::Bucket' || /Jobs/.test(id));
        if (settings[key] && candidates.length === 1) this.byName.set(settings[key], candidates[0]![0]);
      }
    }
  }

  /** The logical id behind a name (or an ARN ending in it) the functions used locally. */
  logicalId(name: string, what: string): string {
    const id = this.byName.get(name) ?? this.byName.get(name.split(/[:/]/).at(-1) ?? name);
    if (!id) throw new Error(`No resource of the local stage is named ${name} (${what})`);
    return id;
  }
}

/** A role's logical id for a caller: a Lambda function of the local stage, or the worker (the task role). */
export function roleOf(stage: StageModel, local: StageModel, caller: string): string {
  if (caller === 'worker') return refId(stage, stage.resource('WorkerTaskDefinition').Properties?.['TaskRoleArn']);
  const fn = local.resources('AWS::Lambda::Function').find(([id]) => local.physicalName(id) === caller);
  if (!fn) throw new Error(`No function of the local stage is named ${caller}`);
  return refId(stage, stage.resource(fn[0]).Properties?.['Role']);
}

/** The logical id a reference names, in either stack of the stage (an import follows the platform's export). */
function refId(stage: StageModel, value: unknown): string {
  const id = stage.target(value);
  if (!id) throw new Error(`Not a reference: ${JSON.stringify(value)}`);
  return id;
}

const viaService = (service: string, extra: Record<string, string> = {}) => ({ 'kms:ViaService': `${service}.${REGION}.amazonaws.com`, 'kms:CallerAccount': ACCOUNT, ...extra });

/** The key a resource is encrypted with (its logical id), if it is a customer-managed key of the stack. */
function keyOf(stage: StageModel, logicalId: string): string | undefined {
  const props = stage.resource(logicalId).Properties ?? {};
  const candidates = [
    (props['SSESpecification'] as Json | undefined)?.['KMSMasterKeyId'],
    props['KmsMasterKeyId'],
    props['KmsKeyId'],
    ((list((props['BucketEncryption'] as Json | undefined)?.['ServerSideEncryptionConfiguration'])[0]?.['ServerSideEncryptionByDefault']) as Json | undefined)?.['KMSMasterKeyID'],
  ];
  for (const candidate of candidates) {
    const id = stage.target(candidate);
    if (id && stage.resource(id).Type === 'AWS::KMS::Key') return id;
  }
  return undefined;
}

/**
 * The service a function's setting is read from in AWS mode, by its variable's name: `…_PARAMETER`
 * names an SSM parameter, `…_SECRET_ID` a secret (src/config reads them so).
 */
export function settingServiceOf(variable: string): 'ssm' | 'secretsmanager' | undefined {
  if (variable.endsWith('_PARAMETER')) return 'ssm';
  if (variable.endsWith('_SECRET_ID')) return 'secretsmanager';
  return undefined;
}

export class RequestModel {
  private readonly stage: StageModel;
  private readonly local: StageModel;
  private readonly names: LocalNames;

  constructor(stage: StageModel, local: StageModel) {
    this.stage = stage;
    this.local = local;
    this.names = new LocalNames(local);
  }

  private arn(logicalId: string): string {
    return String(this.stage.attribute(logicalId, 'Arn'));
  }

  private kms(role: string, keyId: string | undefined, actions: string[], service: string, because: string, extra: Record<string, string> = {}): IamRequest[] {
    if (!keyId) return [];
    return actions.map((action) => ({ principal: { role }, action, resource: this.arn(keyId), context: viaService(service, extra), because: `${because} (${service} uses the key for its caller)` }));
  }

  /**
   * The KMS key a caller encrypts its S3 writes with in the stage: the worker's `JOBS_KMS_KEY_ID`,
   * a job function's `kmsKeyArn` in the jobs settings parameter.
   */
  private configuredKmsKey(caller: string): string | undefined {
    const stage = this.stage;
    if (caller === 'worker') {
      const [, task] = stage.resources('AWS::ECS::TaskDefinition')[0] ?? [];
      const containers = list(stage.resolve(task?.Properties?.['ContainerDefinitions'] ?? null));
      const variable = containers.flatMap((c) => list(c['Environment'])).find((e) => e['Name'] === 'JOBS_KMS_KEY_ID');
      return variable ? String(variable['Value']) : undefined;
    }
    const fn = this.local.resources('AWS::Lambda::Function').find(([id]) => this.local.physicalName(id) === caller)?.[0];
    const variables = fn ? (stage.resolve(stage.resource(fn).Properties?.['Environment'] ?? null) as { Variables?: Record<string, unknown> } | undefined)?.Variables : undefined;
    const parameter = stage.resources('AWS::SSM::Parameter').find(([id]) => stage.physicalName(id) === variables?.['JOB_SETTINGS_PARAMETER'])?.[0];
    if (!parameter) return undefined;
    return (JSON.parse(String(stage.property(parameter, 'Value'))) as { kmsKeyArn?: string }).kmsKeyArn;
  }

  /** The IAM database user `user` of the stage's RDS Proxy (`rds-db:connect`'s resource); none without a proxy. */
  private dbUserArn(user: string): string | undefined {
    const [proxy] = this.stage.resources('AWS::RDS::DBProxy');
    if (!proxy) return undefined;
    return `arn:aws:rds-db:${REGION}:${ACCOUNT}:dbuser:${String(this.stage.attribute(proxy[0], 'DBProxyArn')).split(':')[6]}/${user}`;
  }

  /** The requests one recorded call makes. */
  requestsFor(call: AwsCall): IamRequest[] {
    const role = roleOf(this.stage, this.local, call.caller);
    const because = `${call.caller}: ${call.service}.${call.operation}`;
    const on = (action: string, resource: string, context: Record<string, string | string[]> = {}): IamRequest => ({ principal: { role }, action, resource, context, because });
    const input: Record<string, any> = call.input;
    switch (call.service) {
      case 'DynamoDB': {
        const table = (name: unknown) => this.names.logicalId(String(name), 'table');
        const dynamo = (tableName: unknown, action: string, index?: string): IamRequest[] => {
          const id = table(tableName);
          const resource = index ? `${this.arn(id)}/index/${index}` : this.arn(id);
          return [on(`dynamodb:${action}`, resource), ...this.kms(role, keyOf(this.stage, id), ['kms:Decrypt', 'kms:GenerateDataKey'], 'dynamodb', because, { 'kms:EncryptionContext:aws:dynamodb:tableName': this.stage.physicalName(id) })];
        };
        if (call.operation === 'TransactWriteItems' || call.operation === 'TransactGetItems') {
          const kinds: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' };
          return list(input['TransactItems']).flatMap((item) => Object.entries(item).flatMap(([kind, op]) => dynamo((op as Json)['TableName'], kinds[kind]!)));
        }
        if (call.operation === 'BatchWriteItem' || call.operation === 'BatchGetItem') return (input['RequestItems'] as string[]).flatMap((name) => dynamo(name, call.operation));
        return dynamo(input['TableName'], call.operation, input['IndexName']);
      }
      case 'EventBridge':
        return list(input['Entries']).map((entry) => on(`events:${call.operation}`, this.arn(this.names.logicalId(String(entry['EventBusName']), 'event bus'))));
      case 'ECS': {
        const cluster = input['cluster'] ? this.arn(this.names.logicalId(String(input['cluster']), 'cluster')) : undefined;
        const context: Record<string, string> = cluster ? { 'ecs:cluster': cluster } : {};
        if (call.operation === 'RunTask') {
          const taskDefinition = this.names.logicalId(String(input['taskDefinition']).replace(/:\d+$/, ''), 'task definition');
          const props = this.stage.resource(taskDefinition).Properties ?? {};
          const passed = ['TaskRoleArn', 'ExecutionRoleArn'].filter((k) => props[k]).map((k) => on('iam:PassRole', String(this.stage.resolve(props[k] as never)), { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }));
          return [on('ecs:RunTask', String(this.stage.ref(taskDefinition)), context), ...passed];
        }
        const clusterName = cluster?.split('/').at(-1) ?? 'default';
        const tasks = [...list(input['tasks']).map(String), ...(input['task'] ? [String(input['task'])] : [])];
        return tasks.map(() => on(`ecs:${call.operation}`, `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${clusterName}/0123456789abcdef`, context));
      }
      case 'S3': {
        const bucket = this.names.logicalId(String(input['Bucket']), 'bucket');
        const name = String(this.stage.ref(bucket));
        const key = keyOf(this.stage, bucket);
        const actions: Record<string, [string, string[]]> = {
          GetObject: ['s3:GetObject', ['kms:Decrypt']],
          HeadObject: ['s3:GetObject', ['kms:Decrypt']],
          PutObject: ['s3:PutObject', ['kms:GenerateDataKey']],
          CreateMultipartUpload: ['s3:PutObject', ['kms:GenerateDataKey', 'kms:Decrypt']],
          UploadPart: ['s3:PutObject', ['kms:GenerateDataKey', 'kms:Decrypt']],
          CompleteMultipartUpload: ['s3:PutObject', ['kms:Decrypt']],
          AbortMultipartUpload: ['s3:AbortMultipartUpload', []],
          DeleteObject: ['s3:DeleteObject', []],
          ListObjectsV2: ['s3:ListBucket', []],
        };
        const known = actions[call.operation];
        if (!known) throw new Error(`${because}: no IAM mapping for S3 ${call.operation}`);
        const [action, keyActions] = known;
        const resource = action === 's3:ListBucket' ? `arn:aws:s3:::${name}` : `arn:aws:s3:::${name}/${String(input['Key'])}`;
        // Locally nothing names a key; in the stage, writes carry the key the caller is configured with.
        const sseKey = input['SSEKMSKeyId'] && key ? this.arn(key) : this.configuredKmsKey(call.caller);
        const sse: Record<string, string> = sseKey ? { 's3:x-amz-server-side-encryption-aws-kms-key-id': sseKey, 's3:x-amz-server-side-encryption': 'aws:kms' } : {};
        return [on(action, resource, action === 's3:PutObject' ? sse : {}), ...this.kms(role, key, keyActions, 's3', because, { 'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${name}` })];
      }
      case 'SSM': {
        const names = [...(input['Name'] ? [input['Name']] : []), ...list(input['Names'])].map((n) => String(n).replace(/\/local\//, `/${this.stage.stage}/`).replace(/^\//, ''));
        return names.map((n) => on(`ssm:${call.operation}`, `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${n}`));
      }
      case 'SecretsManager': {
        const id = this.names.logicalId(String(input['SecretId']), 'secret');
        return [on(`secretsmanager:${call.operation}`, this.arn(id)), ...this.kms(role, keyOf(this.stage, id), ['kms:Decrypt'], 'secretsmanager', because)];
      }
      case 'RDS': {
        const user = this.dbUserArn(String(input['DbUser']));
        if (!user) throw new Error(`${because}: the stage has no RDS Proxy`);
        return [on('rds-db:connect', user)];
      }
      default:
        throw new Error(`${because}: no IAM mapping for service ${call.service}`);
    }
  }

  /**
   * What the stage's configuration makes AWS do with the functions' roles and the services'
   * principals, whether or not a test called it: event source mappings polling with the function's
   * role (and sending failures to their destination), Lambda writing logs and traces and creating
   * the network interfaces of VPC functions, EventBridge delivering to its target queues, and
   * CloudWatch Logs using the key of encrypted log groups.
   */
  impliedRequests(): IamRequest[] {
    const stage = this.stage;
    const requests: IamRequest[] = [];
    const functionRole = (fn: unknown): string => {
      let id = refId(stage, fn);
      if (stage.resource(id).Type === 'AWS::Lambda::Alias') id = refId(stage, stage.resource(id).Properties?.['FunctionName']);
      return refId(stage, stage.resource(id).Properties?.['Role']);
    };
    for (const [id, mapping] of stage.resources('AWS::Lambda::EventSourceMapping')) {
      const props = mapping.Properties ?? {};
      const role = functionRole(props['FunctionName']);
      const source = refId(stage, props['EventSourceArn']);
      const because = `event source mapping ${id}`;
      const on = (action: string, resource: string, context: Record<string, string> = {}): IamRequest => ({ principal: { role }, action, resource, context, because });
      if (stage.resource(source).Type === 'AWS::AmazonMQ::Broker') {
        // Lambda's poller reads the broker's description and its credentials, and reaches it through ENIs in the VPC.
        requests.push(on('mq:DescribeBroker', this.arn(source)));
        for (const access of list(props['SourceAccessConfigurations']).filter((a) => a['Type'] === 'BASIC_AUTH')) {
          const secret = refId(stage, access['URI']);
          requests.push(on('secretsmanager:GetSecretValue', this.arn(secret)), ...this.kms(role, keyOf(stage, secret), ['kms:Decrypt'], 'secretsmanager', because));
        }
        requests.push(...['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface', 'ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'].map((a) => on(a, '*')));
      } else if (stage.resource(source).Type === 'AWS::DynamoDB::Table') {
        const stream = String(stage.attribute(source, 'StreamArn'));
        requests.push(...['DescribeStream', 'GetRecords', 'GetShardIterator'].map((a) => on(`dynamodb:${a}`, stream)), on('dynamodb:ListStreams', '*'));
        requests.push(...this.kms(role, keyOf(stage, source), ['kms:Decrypt'], 'dynamodb', because, { 'kms:EncryptionContext:aws:dynamodb:tableName': stage.physicalName(source) }));
      } else {
        requests.push(...['ReceiveMessage', 'DeleteMessage', 'GetQueueAttributes'].map((a) => on(`sqs:${a}`, this.arn(source))));
        requests.push(...this.kms(role, keyOf(stage, source), ['kms:Decrypt'], 'sqs', because));
      }
      const destination = (props['DestinationConfig'] as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination;
      if (destination) {
        const queue = refId(stage, destination);
        requests.push(on('sqs:SendMessage', this.arn(queue)), ...this.kms(role, keyOf(stage, queue), ['kms:GenerateDataKey', 'kms:Decrypt'], 'sqs', because));
      }
    }
    for (const [id, fn] of stage.resources('AWS::Lambda::Function')) {
      const props = fn.Properties ?? {};
      const role = refId(stage, props['Role']);
      const name = stage.physicalName(id);
      const because = `Lambda runs ${name}`;
      const on = (action: string, resource: string): IamRequest => ({ principal: { role }, action, resource, context: {}, because });
      const logGroup = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/${name}`;
      requests.push(on('logs:CreateLogStream', `${logGroup}:log-stream:2026/01/01/[$LATEST]0123`), on('logs:PutLogEvents', `${logGroup}:log-stream:2026/01/01/[$LATEST]0123`));
      if ((stage.resolve(props['TracingConfig'] as never) as { Mode?: string } | undefined)?.Mode === 'Active') requests.push(on('xray:PutTraceSegments', '*'), on('xray:PutTelemetryRecords', '*'));
      if (props['VpcConfig']) requests.push(...['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface'].map((a) => on(a, '*')));
    }
    // Settings the functions and the worker read in AWS mode only (locally they come from the
    // environment): the SSM parameters, secrets and database user their environment names.
    const settingsOf = (variables: Record<string, any>, role: string, who: string) => {
      for (const [name, value] of Object.entries(variables)) {
        const because = `${who}: setting ${name} (read in AWS mode)`;
        const on = (action: string, resource: string, context: Record<string, string> = {}): IamRequest => ({ principal: { role }, action, resource, context, because });
        const service = settingServiceOf(name);
        if (service === 'ssm') requests.push(on('ssm:GetParameter', `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${String(value).replace(/^\//, '')}`));
        if (service === 'secretsmanager') {
          const secret = stage.resources('AWS::SecretsManager::Secret').find(([id]) => stage.physicalName(id) === value || this.arn(id) === value)?.[0];
          if (!secret) throw new Error(`${because}: no secret named ${String(value)}`);
          requests.push(on('secretsmanager:GetSecretValue', this.arn(secret)), ...this.kms(role, keyOf(stage, secret), ['kms:Decrypt'], 'secretsmanager', because));
        }
      }
      const user = variables['DB_USER'] === undefined ? undefined : this.dbUserArn(String(variables['DB_USER']));
      if (user) requests.push({ principal: { role }, action: 'rds-db:connect', resource: user, context: {}, because: `${who}: setting DB_USER (connects in AWS mode)` });
    };
    // A variable every function has (the stage-wide environment: RUNTIME_SECRET_ID) names a setting
    // only some functions' code reads, which the template cannot tell: not derived here. Its read is
    // recorded instead, per function, where the local stage's key stands in for the secret
    // (src/composition/cursorSigningKey.ts; docs/aws-calls.md, "Permissions, proven by simulation").
    const functions = stage.resources('AWS::Lambda::Function').map(([id, fn]) => ({ id, fn, variables: (stage.resolve(fn.Properties?.['Environment'] ?? null) as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {} }));
    const stageWide = (name: string) => functions.every((f) => f.variables[name] !== undefined);
    for (const { id, fn, variables } of functions) {
      settingsOf(Object.fromEntries(Object.entries(variables).filter(([name]) => !stageWide(name))), refId(stage, fn.Properties?.['Role']), stage.physicalName(id));
    }
    for (const [id, task] of stage.resources('AWS::ECS::TaskDefinition')) {
      const role = task.Properties?.['TaskRoleArn'];
      if (!role) continue;
      for (const container of list(stage.resolve((task.Properties?.['ContainerDefinitions'] ?? null)))) {
        settingsOf(Object.fromEntries(list(container['Environment']).map((e) => [String(e['Name']), e['Value']])), refId(stage, role), id);
      }
    }
    // EventBridge puts matching events on the rules' target queues.
    for (const [id, rule] of stage.resources('AWS::Events::Rule')) {
      for (const target of list(rule.Properties?.['Targets'])) {
        const queue = (target['Arn'] as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0];
        if (!queue || stage.resource(queue).Type !== 'AWS::SQS::Queue') continue;
        const because = `rule ${id} delivers to ${queue}`;
        const context = { 'aws:SourceArn': String(stage.attribute(id, 'Arn')), 'aws:SourceAccount': ACCOUNT };
        requests.push({ principal: { service: 'events.amazonaws.com' }, action: 'sqs:SendMessage', resource: this.arn(queue), context, because });
        const key = keyOf(stage, queue);
        if (key) requests.push(...['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({ principal: { service: 'events.amazonaws.com' }, action, resource: this.arn(key), context, because })));
      }
    }
    // CloudWatch Logs using each log group's key is not simulated: the key policy conditions it on
    // kms:EncryptionContext:aws:logs:arn, a context key iam-simulate ignores (a colon inside the
    // variable part); tests/infrastructure checks that statement instead.
    return requests;
  }
}
