import { join } from 'node:path';
import { packagedApplication } from '../../scripts/lib/packagedStacks.ts';

/**
 * A packaged stage, both its stacks (docs/deploy.md, "Stacks": the platform, platform.yml, and the
 * application, serverless.yml), with their intrinsic functions resolved the way CloudFormation
 * would for one account and region, so policies, key policies and resource ARNs can be read as IAM
 * sees them after deploy. An application's `Fn::ImportValue` resolves to the value the platform
 * exports under that name (an import with no export fails, as the deploy would). Physical names the
 * templates leave to CloudFormation (a bucket without `BucketName`, a key id) get stable stand-ins;
 * only their shape matters to IAM.
 */
export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const SERVICE = 'entity-platform';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
  readonly Condition?: string;
}
export interface Template {
  readonly Resources: Record<string, Resource>;
  readonly Conditions?: Record<string, Json>;
  readonly Outputs?: Record<string, { readonly Value: Json; readonly Export?: { readonly Name: Json } }>;
}

/** What every Serverless stack has of its own (its deployment bucket): the application's is the one modelled. */
const OWN_TO_EACH_STACK = new Set(['ServerlessDeploymentBucket', 'ServerlessDeploymentBucketPolicy']);

const NO_VALUE = Symbol('AWS::NoValue');

export class StageModel {
  readonly stage: string;
  readonly stackName: string;
  readonly template: Template;
  private readonly conditions = new Map<string, boolean>();
  /** The platform's exports: name → the value expression (resolved in this model). */
  private readonly exports = new Map<string, Json>();

  /** `platform`: the stage's platform stack, whose resources join the application's and whose exports its imports read. */
  constructor(stage: string, app: Template, platform: Template = { Resources: {} }) {
    this.stage = stage;
    this.stackName = `${SERVICE}-${stage}`;
    const platformResources = Object.entries(platform.Resources).filter(([id]) => !OWN_TO_EACH_STACK.has(id));
    const clashes = [...platformResources.map(([id]) => id), ...Object.keys(platform.Conditions ?? {})].filter((id) => id in app.Resources || id in (app.Conditions ?? {}));
    if (clashes.length > 0) throw new Error(`${stage}: both stacks declare ${clashes.join(', ')}`);
    this.template = { Resources: { ...Object.fromEntries(platformResources), ...app.Resources }, Conditions: { ...platform.Conditions, ...app.Conditions } };
    for (const output of Object.values(platform.Outputs ?? {})) {
      if (output.Export) this.exports.set(String(this.resolve(output.Export.Name)), output.Value);
    }
  }

  /**
   * A packaged stage: the application from `<packagedDir>/<stage>` (its root and nested stacks as one
   * template, scripts/lib/packagedStacks.ts), the platform from `<packagedDir>/<stage>-platform`.
   */
  static load(packagedDir: string, stage: string): StageModel {
    const read = (dir: string) => packagedApplication(join(packagedDir, dir)) as unknown as Template;
    return new StageModel(stage, read(stage), read(`${stage}-platform`));
  }

  /** The value the platform exports under `name` (an unexported name fails, as CloudFormation would). */
  exported(name: string): Json {
    const value = this.exports.get(name);
    if (value === undefined) throw new Error(`${this.stage}: Fn::ImportValue ${name}, which the platform does not export`);
    return value;
  }

  /**
   * The logical id a reference names: a `Ref`, a `Fn::GetAtt`, or an import of a value the platform
   * exports as one of those (`{ Fn::ImportValue: …:PlatformKeyArn }` → PlatformKey).
   */
  target(value: unknown): string | undefined {
    const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] | string; 'Fn::ImportValue'?: Json } | undefined;
    if (v?.['Fn::ImportValue'] !== undefined) return this.target(this.exported(String(this.resolve(v['Fn::ImportValue']))));
    const getAtt = v?.['Fn::GetAtt'];
    const id = v?.Ref ?? (typeof getAtt === 'string' ? getAtt.split('.')[0] : getAtt?.[0]);
    return id !== undefined && id in this.template.Resources ? id : undefined;
  }

  resource(logicalId: string): Resource {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`${this.stage}: no resource ${logicalId}`);
    return resource;
  }

  /** A resource's property, resolved. */
  property(logicalId: string, name: string): unknown {
    return this.resolve(this.resource(logicalId).Properties?.[name] ?? null);
  }

  condition(name: string): boolean {
    let value = this.conditions.get(name);
    if (value === undefined) {
      const expression = this.template.Conditions?.[name];
      if (expression === undefined) throw new Error(`${this.stage}: no condition ${name}`);
      value = Boolean(this.resolve(expression));
      this.conditions.set(name, value);
    }
    return value;
  }

  /** Resources that exist in this stage (their condition, if any, holds). */
  resources(type?: string): [string, Resource][] {
    return Object.entries(this.template.Resources).filter(([, r]) => (type === undefined || r.Type === type) && (r.Condition === undefined || this.condition(r.Condition)));
  }

  /** `value` with every intrinsic function evaluated. */
  resolve(value: Json): unknown {
    const resolved = this.evaluate(value);
    return resolved === NO_VALUE ? undefined : resolved;
  }

  private evaluate(value: Json): unknown {
    if (Array.isArray(value)) return value.map((v) => this.evaluate(v)).filter((v) => v !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [key] = keys as [string];
      const argument = value[key] as Json;
      switch (key) {
        case 'Ref':
          return this.ref(argument as string);
        case 'Fn::GetAtt': {
          const [id, attribute] = typeof argument === 'string' ? (argument.split('.', 2) as [string, string]) : (argument as [string, string]);
          return this.attribute(id, attribute);
        }
        case 'Fn::Sub':
          return this.sub(argument);
        case 'Fn::Join': {
          const [separator, parts] = argument as [string, Json[]];
          return (this.evaluate(parts) as unknown[]).join(separator);
        }
        case 'Fn::Select': {
          const [index, list] = argument as [Json, Json];
          return (this.evaluate(list) as unknown[])[Number(this.evaluate(index))];
        }
        case 'Fn::Split': {
          const [separator, text] = argument as [string, Json];
          return String(this.evaluate(text)).split(separator);
        }
        case 'Fn::If': {
          const [name, whenTrue, whenFalse] = argument as [string, Json, Json];
          return this.evaluate(this.condition(name) ? whenTrue : whenFalse);
        }
        case 'Fn::Equals': {
          const [a, b] = argument as [Json, Json];
          return JSON.stringify(this.evaluate(a)) === JSON.stringify(this.evaluate(b));
        }
        case 'Fn::Not':
          return !(this.evaluate((argument as Json[])[0]!) as boolean);
        case 'Fn::And':
          return (argument as Json[]).every((c) => this.evaluate(c));
        case 'Fn::Or':
          return (argument as Json[]).some((c) => this.evaluate(c));
        case 'Condition':
          return this.condition(argument as string);
        case 'Fn::GetAZs':
          return ['a', 'b', 'c'].map((z) => `${REGION}${z}`);
        case 'Fn::Cidr':
          return Array.from({ length: Number(this.evaluate((argument as Json[])[1]!)) }, (_, i) => `10.0.${i}.0/24`);
        case 'Fn::ToJsonString':
          return JSON.stringify(this.evaluate(argument));
        case 'Fn::ImportValue':
          return this.evaluate(this.exported(String(this.evaluate(argument))));
        default:
          if (key.startsWith('Fn::')) throw new Error(`${this.stage}: ${key} is not resolved by the test model`);
      }
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.evaluate(v)]).filter(([, v]) => v !== NO_VALUE));
  }

  private sub(argument: Json): string {
    const [text, variables] = typeof argument === 'string' ? [argument, {}] : (argument as [string, Record<string, Json>]);
    return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
      if (name in variables) return String(this.evaluate(variables[name]!));
      const [id, attribute] = name.split('.', 2) as [string, string | undefined];
      return String(attribute === undefined ? this.ref(id) : this.attribute(id, attribute));
    });
  }

  /** The physical name CloudFormation would use: the template's, else a generated one. */
  physicalName(logicalId: string): string {
    const properties = this.resource(logicalId).Properties ?? {};
    for (const key of ['TableName', 'BrokerName', 'BucketName', 'QueueName', 'TopicName', 'RoleName', 'FunctionName', 'ClusterName', 'Family', 'LogGroupName', 'DBProxyName', 'Name']) {
      if (properties[key] !== undefined) return String(this.resolve(properties[key]));
    }
    return `${this.stackName}-${logicalId.toLowerCase()}-1a2b3c4d`;
  }

  ref(id: string): unknown {
    switch (id) {
      case 'AWS::AccountId':
        return ACCOUNT;
      case 'AWS::Region':
        return REGION;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.stackName;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${this.stackName}/1`;
      case 'AWS::NoValue':
        return NO_VALUE;
    }
    const resource = this.template.Resources[id];
    if (!resource) throw new Error(`${this.stage}: Ref to unknown ${id}`);
    const name = () => this.physicalName(id);
    switch (resource.Type) {
      case 'AWS::KMS::Key':
        return `key-${id.toLowerCase()}`;
      case 'AWS::ECS::TaskDefinition':
      case 'AWS::SNS::Topic':
      case 'AWS::SecretsManager::Secret':
      case 'AWS::Lambda::Alias':
        return this.attribute(id, 'Arn');
      case 'AWS::SQS::Queue':
        return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name()}`;
      default:
        return resource.Properties && Object.keys(resource.Properties).some((k) => /Name$|^Family$/.test(k)) ? name() : `${id.toLowerCase()}-1a2b3c4d`;
    }
  }

  attribute(id: string, attribute: string): unknown {
    const resource = this.resource(id);
    const name = () => this.physicalName(id);
    const arn = (service: string, rest: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${rest}`;
    switch (`${resource.Type}.${attribute}`) {
      case 'AWS::DynamoDB::Table.Arn':
        return arn('dynamodb', `table/${name()}`);
      case 'AWS::DynamoDB::Table.StreamArn':
        return arn('dynamodb', `table/${name()}/stream/2026-01-01T00:00:00.000`);
      case 'AWS::KMS::Key.Arn':
        return arn('kms', `key/${String(this.ref(id))}`);
      case 'AWS::KMS::Key.KeyId':
        return this.ref(id);
      case 'AWS::Events::EventBus.Arn':
        return arn('events', `event-bus/${name()}`);
      case 'AWS::Events::Rule.Arn':
        return arn('events', `rule/${name()}`);
      case 'AWS::S3::Bucket.Arn':
        return `arn:aws:s3:::${String(this.ref(id))}`;
      case 'AWS::S3::Bucket.RegionalDomainName':
      case 'AWS::S3::Bucket.DomainName':
        return `${String(this.ref(id))}.s3.${REGION}.amazonaws.com`;
      case 'AWS::ECS::Cluster.Arn':
        return arn('ecs', `cluster/${name()}`);
      case 'AWS::ECS::TaskDefinition.Arn':
      case 'AWS::ECS::TaskDefinition.TaskDefinitionArn':
        return arn('ecs', `task-definition/${name()}:1`);
      case 'AWS::IAM::Role.Arn':
        return `arn:aws:iam::${ACCOUNT}:role/${name()}`;
      case 'AWS::SQS::Queue.Arn':
        return arn('sqs', name());
      case 'AWS::SQS::Queue.QueueName':
        return name();
      case 'AWS::SQS::Queue.QueueUrl':
        return this.ref(id);
      case 'AWS::SecretsManager::Secret.Arn':
      case 'AWS::SecretsManager::Secret.Id':
        return arn('secretsmanager', `secret:${name()}-AbCdEf`);
      case 'AWS::SNS::Topic.Arn':
      case 'AWS::SNS::Topic.TopicArn':
        return arn('sns', name());
      case 'AWS::Logs::LogGroup.Arn':
        return arn('logs', `log-group:${name()}:*`);
      case 'AWS::Lambda::Function.Arn':
        return arn('lambda', `function:${name()}`);
      case 'AWS::Lambda::Alias.Arn':
        return `${String(this.attribute(String((resource.Properties?.['FunctionName'] as { Ref?: string })?.Ref ?? id), 'Arn'))}:${String(this.resolve(resource.Properties?.['Name'] ?? 'live'))}`;
      case 'AWS::RDS::DBProxy.DBProxyArn':
        return arn('rds', `db-proxy:prx-${id.toLowerCase()}`);
      case 'AWS::RDS::DBProxy.Endpoint':
        return `${name()}.proxy-abc.${REGION}.rds.amazonaws.com`;
      case 'AWS::ECR::Repository.Arn':
        return arn('ecr', `repository/${String(this.ref(id))}`);
      case 'AWS::AmazonMQ::Broker.Arn':
        return arn('mq', `broker:${name()}:b-0123456789ab`);
      case 'AWS::Cognito::UserPool.Arn':
        return arn('cognito-idp', `userpool/${String(this.ref(id))}`);
      default:
        return `${id}.${attribute}`;
    }
  }
}
