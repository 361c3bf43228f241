import { createRequire } from 'node:module';

/**
 * Validates a CloudFormation template against the resource specification that
 * `@aws-cdk/aws-service-spec` ships (its gzipped database, loaded offline): resource types exist,
 * property names are known (recursively, through the spec's type definitions), required properties
 * are present, every Ref / Fn::GetAtt (and attribute name) / Fn::Sub variable resolves, DependsOn
 * and Condition names exist. Returns the problems, one line each; an empty list means valid.
 */

interface SpecProperty { required?: boolean; type: SpecType; previousTypes?: SpecType[] }
type SpecType =
  | { type: 'string' | 'number' | 'integer' | 'boolean' | 'json' | 'date-time' | 'null' | 'tag' }
  | { type: 'ref'; reference: { $ref: string } }
  | { type: 'array' | 'map'; element: SpecType }
  | { type: 'union'; types: SpecType[] };
interface SpecResource { cloudFormationType: string; properties: Record<string, SpecProperty>; attributes: Record<string, unknown> }
interface SpecDb {
  lookup(key: 'resource', index: 'cloudFormationType', lookup: 'equals', value: string): { length: number; [i: number]: SpecResource };
  get(key: 'typeDefinition', id: string): { name: string; properties: Record<string, SpecProperty> };
}

let db: SpecDb | undefined;
function spec(): SpecDb {
  const require = createRequire(import.meta.url);
  const serviceSpec = require('@aws-cdk/aws-service-spec') as { loadAwsServiceSpecSync: (this: void) => SpecDb };
  db ??= serviceSpec.loadAwsServiceSpecSync();
  return db;
}

export function resourceSpec(type: string): SpecResource | undefined {
  const found = spec().lookup('resource', 'cloudFormationType', 'equals', type);
  return found.length > 0 ? found[0] : undefined;
}

const PSEUDO_PARAMETERS = new Set(['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix']);
// Attributes CloudFormation resolves that the registry schemas do not list.
const EXTRA_ATTRIBUTES: Record<string, string[]> = {};

type Json = any;

function isIntrinsic(value: Json): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::') || keys[0] === 'Condition');
}

export function validateTemplate(template: Json): string[] {
  const problems: string[] = [];
  const resources: Record<string, Json> = template.Resources ?? {};
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const conditions = new Set(Object.keys(template.Conditions ?? {}));
  const specs = new Map<string, SpecResource | undefined>();
  const specOf = (id: string) => {
    const type: string | undefined = resources[id]?.Type;
    if (!type) return undefined;
    if (!specs.has(type)) specs.set(type, resourceSpec(type));
    return specs.get(type);
  };
  const isCustom = (id: string) => /^(Custom::|AWS::CloudFormation::CustomResource$)/.test(String(resources[id]?.Type));

  const checkGetAtt = (where: string, id: string, attribute: string) => {
    if (!(id in resources)) return problems.push(`${where}: Fn::GetAtt names unknown resource ${id}`);
    if (isCustom(id)) return;
    // A nested stack's outputs (tests/infrastructure/stacks.test.ts checks that the nested template declares them).
    if (resources[id].Type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) return;
    const s = specOf(id);
    if (s && !(attribute in s.attributes) && !EXTRA_ATTRIBUTES[resources[id].Type]?.includes(attribute)) {
      problems.push(`${where}: ${resources[id].Type} has no attribute ${attribute} (Fn::GetAtt ${id}.${attribute})`);
    }
  };
  const checkRefName = (where: string, name: string, kind: string) => {
    if (!(name in resources) && !parameters.has(name) && !PSEUDO_PARAMETERS.has(name)) problems.push(`${where}: ${kind} names unknown ${name}`);
  };

  const walkIntrinsics = (where: string, value: Json, subVariables: Set<string> = new Set()): void => {
    if (Array.isArray(value)) return value.forEach((v, i) => walkIntrinsics(`${where}[${i}]`, v, subVariables));
    if (!value || typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string') checkRefName(where, v, 'Ref');
      else if (key === 'Fn::GetAtt') {
        const [id, ...rest] = Array.isArray(v) ? (v as string[]) : String(v).split('.');
        checkGetAtt(where, String(id), rest.join('.'));
      } else if (key === 'Fn::Sub') {
        const [text, vars] = Array.isArray(v) ? (v as [string, Record<string, Json>]) : [v as string, {}];
        if (typeof text !== 'string') problems.push(`${where}: Fn::Sub needs a string`);
        else {
          for (const match of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
            const name = match[1]!.trim();
            if (name in vars) continue;
            const dot = name.indexOf('.');
            if (dot > 0 && !PSEUDO_PARAMETERS.has(name)) checkGetAtt(where, name.slice(0, dot), name.slice(dot + 1));
            else checkRefName(where, name, 'Fn::Sub variable');
          }
        }
        walkIntrinsics(`${where}.Fn::Sub`, vars);
      } else if (key === 'Fn::If' || key === 'Condition') {
        const name = key === 'Fn::If' ? (v as Json[])[0] : v;
        if (typeof name === 'string' && !conditions.has(name)) problems.push(`${where}: ${key} names unknown condition ${name}`);
        walkIntrinsics(`${where}.${key}`, key === 'Fn::If' ? (v as Json[]).slice(1) : []);
      } else walkIntrinsics(`${where}.${key}`, v, subVariables);
    }
  };

  const checkProperties = (where: string, value: Json, properties: Record<string, SpecProperty>, typeName: string): void => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      if (!isIntrinsic(value)) problems.push(`${where}: ${typeName} must be an object`);
      return;
    }
    if (isIntrinsic(value)) return;
    for (const [name, property] of Object.entries(properties)) {
      if (property.required && !(name in value)) problems.push(`${where}: ${typeName} requires ${name}`);
    }
    for (const [name, v] of Object.entries(value)) {
      const property = properties[name];
      if (!property) problems.push(`${where}: ${typeName} has no property ${name}`);
      else checkValue(`${where}.${name}`, v, [property.type, ...(property.previousTypes ?? [])]);
    }
  };

  // A value matches if it matches any of the types (unions, previous types); reports the first attempt's problems.
  const checkValue = (where: string, value: Json, types: SpecType[]): void => {
    if (isIntrinsic(value)) return;
    const attempts = types.flatMap((t) => (t.type === 'union' ? t.types : [t])).map((type) => {
      const before = problems.length;
      checkType(where, value, type);
      return problems.splice(before);
    });
    if (attempts.every((a) => a.length > 0)) problems.push(...attempts[0]!);
  };
  const checkType = (where: string, value: Json, type: SpecType): void => {
    switch (type.type) {
      case 'ref': {
        const definition = spec().get('typeDefinition', type.reference.$ref);
        return checkProperties(where, value, definition.properties, definition.name);
      }
      case 'array':
        if (!Array.isArray(value)) return void problems.push(`${where}: must be a list`);
        return value.forEach((v, i) => checkValue(`${where}[${i}]`, v, [type.element]));
      case 'map':
        if (!value || typeof value !== 'object' || Array.isArray(value)) return void problems.push(`${where}: must be a map`);
        return Object.entries(value).forEach(([k, v]) => checkValue(`${where}.${k}`, v, [type.element]));
      case 'string': case 'number': case 'integer': case 'boolean': case 'date-time':
        if (value !== null && typeof value === 'object') problems.push(`${where}: must be a ${type.type}, not ${Array.isArray(value) ? 'a list' : 'an object'}`);
        return;
      default:
        return;
    }
  };

  for (const [id, resource] of Object.entries(resources)) {
    const where = `Resources.${id}`;
    if (typeof resource?.Type !== 'string') { problems.push(`${where}: no Type`); continue; }
    const dependsOn: unknown[] = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    for (const d of dependsOn) if (typeof d !== 'string' || !(d in resources)) problems.push(`${where}: DependsOn names unknown resource ${String(d)}`);
    if (resource.Condition !== undefined && !conditions.has(resource.Condition)) problems.push(`${where}: Condition names unknown condition ${resource.Condition}`);
    walkIntrinsics(`${where}.Properties`, resource.Properties);
    walkIntrinsics(`${where}.UpdatePolicy`, resource.UpdatePolicy);
    if (isCustom(id)) continue;
    const s = specOf(id);
    if (!s) { problems.push(`${where}: unknown resource type ${resource.Type}`); continue; }
    checkProperties(`${where}.Properties`, resource.Properties ?? {}, s.properties, resource.Type);
  }
  walkIntrinsics('Conditions', template.Conditions);
  walkIntrinsics('Outputs', template.Outputs);
  return problems;
}
