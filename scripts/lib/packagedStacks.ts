// A packaged application as CloudFormation deploys it, and as one template (docs/deploy.md, "Stacks").
// `sls package` writes the root stack's template and, beside it, one template per nested stack
// (scripts/serverless/nestedStacksPlugin.cjs). Reading the stage's resources through the root alone
// would miss every function; `mergeNestedStacks` puts the nested resources back beside the root's,
// with every reference across the stacks (a nested stack's parameters, `Fn::GetAtt [Stack,
// Outputs.X]`, dependencies on a nested stack) turned back into the reference it stands for, so a
// check written against one template reads the same resources, properties and references.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
export interface StackResource {
  Type: string;
  Properties?: JsonObject;
  DependsOn?: string | string[];
  Condition?: string;
}
export interface StackTemplate {
  Resources: Record<string, StackResource>;
  Parameters?: JsonObject;
  Conditions?: JsonObject;
  Outputs?: JsonObject;
}

export const ROOT_TEMPLATE = 'cloudformation-template-update-stack.json';
const NESTED_STACK = 'AWS::CloudFormation::Stack';

export interface PackagedStacks {
  readonly root: StackTemplate;
  /** The nested stacks by their logical id in the root: the template file (beside the root's) and its content. */
  readonly nested: Record<string, { readonly file: string; readonly template: StackTemplate }>;
}

/** The file a nested stack's TemplateURL names (its last part: the deployment's folder of the bucket holds it). */
export function nestedTemplateFile(stack: StackResource): string {
  const url = stack.Properties?.['TemplateURL'] ?? null;
  const join = isObject(url) ? url['Fn::Join'] : undefined;
  const parts = typeof url === 'string' ? url.split('/') : Array.isArray(join) && Array.isArray(join[1]) ? join[1] : undefined;
  const file = parts?.at(-1);
  if (typeof file !== 'string' || !file.endsWith('.json')) throw new Error(`A nested stack whose TemplateURL names no template file: ${JSON.stringify(url)}`);
  return file;
}

/** The root template `sls package` wrote into `dir`, and each nested stack's template it names. */
export function readPackagedStacks(dir: string): PackagedStacks {
  const read = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as StackTemplate;
  const root = read(ROOT_TEMPLATE);
  const nested: Record<string, { file: string; template: StackTemplate }> = {};
  for (const [id, resource] of Object.entries(root.Resources)) {
    if (resource.Type !== NESTED_STACK) continue;
    const file = nestedTemplateFile(resource);
    if (!existsSync(join(dir, file))) throw new Error(`${dir}: the nested stack ${id} names ${file}, which the package does not hold`);
    nested[id] = { file, template: read(file) };
  }
  return { root, nested };
}

/** The application packaged in `dir`, as one template. */
export function packagedApplication(dir: string): StackTemplate {
  return mergeNestedStacks(readPackagedStacks(dir));
}

const isObject = (value: Json | undefined): value is JsonObject => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A `Fn::GetAtt`'s resource and attribute (either form), or undefined. */
function getAttOf(value: Json | undefined): [string, string] | undefined {
  if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') return [value[0], value[1]];
  if (typeof value === 'string' && value.includes('.')) return [value.slice(0, value.indexOf('.')), value.slice(value.indexOf('.') + 1)];
  return undefined;
}

/** Every resource id a value references (Ref, Fn::GetAtt, Fn::Sub variables). */
export function referencedIds(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => referencedIds(v, into));
  else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string') into.add(v);
      else if (key === 'Fn::GetAtt' && getAttOf(v as Json)) into.add(getAttOf(v as Json)![0]);
      else if (key === 'Fn::Sub') {
        const [text, variables] = Array.isArray(v) ? (v as [unknown, Record<string, unknown>]) : [v, {}];
        for (const [, name] of String(text).matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) if (!(name! in (variables ?? {}))) into.add(name!);
      }
      referencedIds(v, into);
    }
  }
  return into;
}

/** `value` with every `{ key: argument }` object for which `replace` returns a value replaced by it. */
function rewrite(value: Json, replace: (value: JsonObject) => Json | undefined): Json {
  if (Array.isArray(value)) return value.map((v) => rewrite(v, replace));
  if (value === null || typeof value !== 'object') return value;
  const replaced = replace(value);
  if (replaced !== undefined) return replaced;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v, replace)]));
}

/**
 * The plugin writes every `Fn::Sub` string as `[text, variables]`, a variable per reference
 * (`${Queue.QueueName}` → `${Queue_QueueName}` with `{ Queue_QueueName: Fn::GetAtt [Queue, QueueName] }`);
 * the variables that are such a reference go back into the text.
 */
function inlineSubVariables(value: Json): Json {
  return rewrite(value, (v) => {
    const sub = v['Fn::Sub'];
    if (Object.keys(v).length !== 1 || !Array.isArray(sub) || typeof sub[0] !== 'string') return undefined;
    let text = sub[0];
    const kept: JsonObject = {};
    for (const [name, variable] of Object.entries(isObject(sub[1]) ? sub[1] : {})) {
      const getAtt = isObject(variable) ? getAttOf(variable['Fn::GetAtt']) : undefined;
      const inline = isObject(variable) && variable['Ref'] === name ? name : getAtt && `${getAtt[0]}_${getAtt[1]}` === name ? `${getAtt[0]}.${getAtt[1]}` : undefined;
      if (inline === undefined) kept[name] = inlineSubVariables(variable);
      else text = text.split(`\${${name}}`).join(`\${${inline}}`);
    }
    return { 'Fn::Sub': Object.keys(kept).length === 0 ? text : [text, kept] };
  });
}

const dependsOnList = (resource: StackResource): string[] => (resource.DependsOn === undefined ? [] : [resource.DependsOn].flat());

/**
 * One template of the root and its nested stacks: each nested resource with its parameters replaced
 * by the root's values for them, every `Fn::GetAtt [Stack, Outputs.X]` by the output's value, the
 * nested stacks' own resources gone. A dependency on a nested stack that a reference already implies
 * goes; another becomes a dependency on each resource of that stack (what CloudFormation does: the
 * whole stack first), and a nested stack's dependency that none of its references implies becomes
 * each of its resources' own. A nested stack's condition mirrors the root's of the same name.
 */
export function mergeNestedStacks({ root, nested }: PackagedStacks): StackTemplate {
  const stacks = new Map<string, Record<string, StackResource>>();
  const outputs = new Map<string, JsonObject>();
  for (const [stackId, { template }] of Object.entries(nested)) {
    const given = root.Resources[stackId]?.Properties?.['Parameters'];
    const values: JsonObject = isObject(given) ? given : {};
    const declared = Object.keys(template.Parameters ?? {});
    const missing = declared.filter((p) => !(p in values));
    if (missing.length > 0) throw new Error(`${stackId}: the root gives no value for ${missing.join(', ')}`);
    const substitute = (value: Json) => rewrite(value, (v) => (typeof v['Ref'] === 'string' && declared.includes(v['Ref']) ? structuredClone(values[v['Ref']]!) : undefined));
    for (const [name, condition] of Object.entries(template.Conditions ?? {})) {
      const mirror = { 'Fn::Equals': [{ 'Fn::If': [name, 'true', 'false'] }, 'true'] };
      if (!(name in (root.Conditions ?? {})) || JSON.stringify(substitute(condition)) !== JSON.stringify(mirror)) throw new Error(`${stackId}: condition ${name} is not the root's`);
    }
    stacks.set(stackId, substitute(template.Resources as unknown as Json) as unknown as Record<string, StackResource>);
    outputs.set(stackId, Object.fromEntries(Object.entries(template.Outputs ?? {}).map(([name, output]) => [name, substitute(isObject(output) ? (output['Value'] ?? null) : null)])));
  }

  const nestedOutput = (v: JsonObject): Json | undefined => {
    const getAtt = getAttOf(v['Fn::GetAtt']);
    if (!getAtt || !stacks.has(getAtt[0]) || Object.keys(v).length !== 1) return undefined;
    const output = outputs.get(getAtt[0])?.[getAtt[1].replace(/^Outputs\./, '')];
    if (output === undefined) throw new Error(`Fn::GetAtt ${getAtt[0]}.${getAtt[1]}: the nested stack has no such output`);
    return output;
  };
  const resolveOutputs = (value: Json): Json => rewrite(value, (v) => {
    const output = nestedOutput(v);
    return output === undefined ? undefined : resolveOutputs(output);
  });
  /** Outputs resolved and `Fn::Sub` variables inlined, in one pass. */
  const finish = (value: Json): Json => rewrite(value, (v) => {
    const output = nestedOutput(v);
    if (output !== undefined) return finish(output);
    return Array.isArray(v['Fn::Sub']) ? inlineSubVariables({ 'Fn::Sub': finish(v['Fn::Sub']) }) : undefined;
  });

  const merged: StackTemplate = { ...root, Resources: {}, Outputs: finish(root.Outputs ?? {}) as JsonObject };
  const stackOf = new Map<string, string>();
  for (const [stackId, resources] of stacks) {
    for (const id of Object.keys(resources)) {
      if (id in root.Resources || stackOf.has(id)) throw new Error(`${id} is declared in ${stackId} and elsewhere`);
      stackOf.set(id, stackId);
    }
  }
  /** Whether references name `dependency` (a resource, or any resource of a nested stack). */
  const implied = (references: Set<string>, dependency: string) => references.has(dependency) || [...references].some((id) => stackOf.get(id) === dependency);
  const expand = (dependency: string) => (stacks.has(dependency) ? Object.keys(stacks.get(dependency)!) : [dependency]);
  const place = (id: string, resource: StackResource, extraDependencies: string[]) => {
    const finished = finish(resource as unknown as Json) as unknown as StackResource;
    const references = referencedIds(finished.Properties ?? {});
    const dependencies = [...new Set([...dependsOnList(finished), ...extraDependencies].filter((d) => !stacks.has(d) || !implied(references, d)).flatMap(expand))];
    delete finished.DependsOn;
    if (dependencies.length > 0) finished.DependsOn = dependencies;
    merged.Resources[id] = finished;
  };
  for (const [id, resource] of Object.entries(root.Resources)) if (!stacks.has(id)) place(id, resource, []);
  for (const [stackId, resources] of stacks) {
    const stackResource = root.Resources[stackId]!;
    const parameterReferences = referencedIds(resolveOutputs(stackResource.Properties?.['Parameters'] ?? {}));
    const ownDependencies = dependsOnList(stackResource).filter((d) => !implied(parameterReferences, d));
    for (const [id, resource] of Object.entries(resources)) place(id, resource, ownDependencies);
  }
  return merged;
}
