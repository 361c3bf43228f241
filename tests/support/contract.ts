import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { PROJECT_ROOT } from '../../scripts/lib/localStack.ts';

/**
 * Checks HTTP responses against the committed OpenAPI document (docs/openapi.json): the path and
 * method are documented (or, for a method the path does not support, the 405 is), the status is
 * listed, every required header is present and every documented header matches its schema, and
 * the body has a documented media type and matches its schema (ajv, JSON Schema 2020-12, formats).
 */

const DOCUMENT_ID = 'https://entity-platform.invalid/openapi.json';
export const openApiDocument: any = JSON.parse(readFileSync(join(PROJECT_ROOT, 'docs', 'openapi.json'), 'utf8'));

// ajv-formats is CommonJS with a default export.
const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(openApiDocument, DOCUMENT_ID);

const compiled = new Map<string, ValidateFunction>();
function validatorFor(pointer: string): ValidateFunction {
  let validate = compiled.get(pointer);
  if (!validate) {
    // A schema under the document: compile it with the document as base, so its $refs resolve.
    validate = ajv.compile({ $ref: `${DOCUMENT_ID}#${pointer}` });
    compiled.set(pointer, validate);
  }
  return validate;
}

const escapePointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

function resolveRef(value: any): { value: any; pointer: string | undefined } {
  const ref = value?.$ref as string | undefined;
  if (!ref) return { value, pointer: undefined };
  const pointer = ref.slice(1);
  const resolved = pointer.split('/').slice(1).reduce((node: any, key) => node?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], openApiDocument);
  return { value: resolved, pointer };
}

const templates = Object.keys(openApiDocument.paths as object).map((template) => ({
  template,
  regex: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
  literal: !template.includes('{'),
}));

/** The documented path template a request path falls under (literal paths win over templated ones). */
export function pathTemplateOf(path: string): string | undefined {
  const pathname = new URL(path, 'http://x').pathname;
  const matches = templates.filter((t) => t.regex.test(pathname));
  return (matches.find((t) => t.literal) ?? matches[0])?.template;
}

export interface ObservedResponse {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/**
 * serverless-offline emulates the TOKEN authorizer and answers a rejected token itself, with
 * hapi's `{statusCode, error, message}` JSON. The deployed API answers that case with the
 * UNAUTHORIZED gateway response (problem+json, resources/api-gateway.yml; the template tests check
 * it), so for that one answer only the status is checked against the document.
 */
function isOfflineAuthorizerAnswer(response: ObservedResponse, body: any): boolean {
  return response.status === 401 && body !== null && typeof body === 'object' && Object.keys(body).sort().join() === 'error,message,statusCode';
}

/** Every way `response` departs from the document; empty when it honours it. */
export function contractViolations(response: ObservedResponse): string[] {
  const where = `${response.method} ${response.path} → ${response.status}`;
  const template = pathTemplateOf(response.path);
  if (!template) return [`${where}: the path is not in the document`];
  const pathItem = openApiDocument.paths[template];
  const method = response.method.toLowerCase();
  let operation = pathItem[method];
  let responsePointer: string;
  if (!operation) {
    // A method the resource does not support: the 405 every operation of the path documents.
    if (response.status !== 405) return [`${where}: ${response.method} is not documented on ${template} and the answer is not a 405`];
    const [someMethod, some] = Object.entries(pathItem).find(([, op]: [string, any]) => op?.responses?.['405'])! as [string, any];
    operation = some;
    responsePointer = `/paths/${escapePointer(template)}/${someMethod}/responses/405`;
  } else {
    responsePointer = `/paths/${escapePointer(template)}/${method}/responses/${response.status}`;
  }
  const declared = operation.responses?.[String(response.status)] ?? operation.responses?.default;
  if (!declared) return [`${where}: status ${response.status} is not documented for ${method.toUpperCase()} ${template} (documented: ${Object.keys(operation.responses).join(', ')})`];
  const resolved = resolveRef(declared);
  const definition = resolved.value;
  if (resolved.pointer) responsePointer = resolved.pointer;

  const contentType = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  let body: any;
  if (contentType?.endsWith('json') && response.text) {
    try {
      body = JSON.parse(response.text);
    } catch {
      return [`${where}: the body is not JSON though the content type is ${contentType}`];
    }
  }
  if (isOfflineAuthorizerAnswer(response, body)) return [];

  const violations: string[] = [];
  for (const [name, header] of Object.entries((definition.headers ?? {}) as Record<string, any>)) {
    const { value: h, pointer } = resolveRef(header);
    const actual = response.headers.get(name);
    if (actual === null) {
      if (h.required) violations.push(`${where}: the required header ${name} is missing`);
      continue;
    }
    const validate = validatorFor(pointer ? `${pointer}/schema` : `${responsePointer}/headers/${escapePointer(name)}/schema`);
    if (!validate(actual)) violations.push(`${where}: header ${name}: ${JSON.stringify(actual)} ${ajv.errorsText(validate.errors)}`);
  }

  const content = definition.content as Record<string, any> | undefined;
  if (!content) {
    if (response.text !== '') violations.push(`${where}: a body is not documented, yet one came: ${response.text.slice(0, 200)}`);
    return violations;
  }
  if (!contentType || !content[contentType]) {
    violations.push(`${where}: content type ${contentType ?? '(none)'} is not documented (documented: ${Object.keys(content).join(', ')})`);
    return violations;
  }
  const value = contentType.endsWith('json') ? body : response.text;
  const validate = validatorFor(`${responsePointer}/content/${escapePointer(contentType)}/schema`);
  if (!validate(value)) violations.push(`${where}: the body does not match the documented schema: ${ajv.errorsText(validate.errors)}\n${response.text.slice(0, 500)}`);
  return violations;
}
