import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import AjvDraft04Module from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cloudFormationTags } from '../../../scripts/lib/cloudFormationYaml.ts';
import { PROJECT_ROOT } from '../../../scripts/lib/localStack.ts';
import { generateArtifacts } from '../../../src/contract/artifacts.ts';
import { GATEWAY_MODELS, gatewayModel, type GatewayModelName } from '../../../src/contract/gatewayModels.ts';
import { renderReferencePage } from '../../../src/http/referencePage.ts';
import { contractViolations, openApiDocument } from '../../support/contract.ts';

// ajv-draft-04 is CommonJS with a default export.
const AjvDraft04 = ((AjvDraft04Module as any).default ?? AjvDraft04Module) as typeof AjvDraft04Module.default;

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'];

describe('the generated artifacts', () => {
  it('are committed as generated: run `npm run openapi` after changing a schema', async () => {
    for (const [path, text] of Object.entries(await generateArtifacts())) {
      const committed = await readFile(join(PROJECT_ROOT, path), 'utf8').catch(() => '(missing)');
      expect(committed, `${path} is stale: run npm run openapi`).toBe(text);
    }
  });
});

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document (and the validator does reject a broken one)', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(openApiDocument));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');

    const broken = structuredClone(openApiDocument);
    broken.paths['/api/v1/health'].get.responses = { 200: { content: {} } }; // a response without its required description
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('documents exactly the routes serverless.yml declares, with a 405 on every path that has an ANY route', async () => {
    const config = parse(await readFile(join(PROJECT_ROOT, 'serverless.yml'), 'utf8'), { customTags: cloudFormationTags, merge: true }) as {
      functions: Record<string, { events?: { http?: { path: string; method: string } }[] }>;
    };
    const routes = new Set<string>();
    const anyPaths = new Set<string>();
    for (const fn of Object.values(config.functions)) {
      for (const event of fn.events ?? []) {
        if (!event.http) continue;
        const path = `/${event.http.path}`;
        if (event.http.method.toLowerCase() === 'any') anyPaths.add(path);
        else routes.add(`${event.http.method.toUpperCase()} ${path}`);
      }
    }
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(openApiDocument.paths as Record<string, Record<string, any>>)) {
      for (const method of METHODS.filter((m) => item[m])) {
        documented.add(`${method.toUpperCase()} ${path}`);
        if (anyPaths.has(path)) expect(item[method].responses['405'], `405 on ${method} ${path}`).toBeDefined();
      }
    }
    expect([...documented].sort()).toEqual([...routes].sort());
    // Every path has its 405 route, and no ANY route points at an undocumented path.
    expect([...anyPaths].sort()).toEqual(Object.keys(openApiDocument.paths).sort());
  });

  it('describes security, pagination, conditional and idempotent requests, and problems', () => {
    const doc = openApiDocument;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.components.securitySchemes.cognito.flows.clientCredentials.scopes)).toEqual(['entities/read', 'entities/write']);
    expect(doc.paths['/api/v1/data/entities'].get.security).toEqual([{}, { cognito: ['entities/read'] }]);
    expect(doc.paths['/api/v1/secure/entities'].post.security).toEqual([{ cognito: ['entities/write'] }]);
    const list = doc.paths['/api/v1/secure/entities'].get;
    expect(list.parameters.map((p: any) => `${p.in}:${p.name}`)).toEqual(expect.arrayContaining(['query:name', 'query:limit', 'query:cursor', 'header:x-correlation-id']));
    const headersOf = (op: any) => op.parameters.filter((p: any) => p.in === 'header').map((p: any) => p.name);
    expect(headersOf(doc.paths['/api/v1/secure/entities'].post)).toContain('Idempotency-Key');
    expect(headersOf(doc.paths['/api/v1/secure/entities/{id}'].patch)).toEqual(expect.arrayContaining(['Idempotency-Key', 'If-Match']));
    expect(headersOf(doc.paths['/api/v1/data/entities/{id}'].get)).toContain('If-None-Match');
    expect(Object.keys(doc.paths['/api/v1/secure/entities/{id}'].patch.requestBody.content).sort()).toEqual(['application/json', 'application/merge-patch+json']);
    expect(doc.paths['/api/v1/data/entities/{id}'].get.responses['200'].headers['X-Cache'].required).toBeFalsy();
    expect(doc.paths['/api/v1/secure/entities'].post.responses['201'].headers.Location.required).toBe(true);
    expect(doc.components.responses.Conflict.headers['Retry-After']).toBeDefined();
    expect(doc.components.schemas.Problem.properties.conflictingEntityId).toBeDefined();
    expect(doc.components.schemas.EntityPage.required).toEqual(['items', 'nextCursor']);
  });
});

describe('the API Gateway models (JSON Schema draft 4)', () => {
  const ajv = new AjvDraft04({ allErrors: true });
  const accepts = (name: GatewayModelName, body: unknown) => ajv.validate(gatewayModel(name), body);
  const zodAccepts = (name: GatewayModelName, body: unknown) => GATEWAY_MODELS[name].schema.safeParse(body).success;

  const valid: [GatewayModelName, unknown][] = [
    ['createEntity', { name: 'x' }],
    ['createEntity', { name: `   ${'n'.repeat(255)}   `, attributes: { a: { b: [1, null, 'x'] } }, visibility: 'public' }],
    ['replaceEntity', { name: 'Red widget', visibility: 'private' }],
    ['patchEntity', { attributes: { colour: null } }],
    ['patchEntity', { name: 'renamed' }],
  ];
  const invalid: [GatewayModelName, unknown][] = [
    ['createEntity', ['not', 'an', 'object']],
    ['createEntity', {}],
    ['createEntity', { name: 7 }],
    ['createEntity', { name: 'x', tenantId: 'victim' }],
    ['createEntity', { name: 'x', visibility: 'secret' }],
    ['createEntity', { name: 'x', attributes: ['list'] }],
    ['patchEntity', {}],
    ['patchEntity', { name: null }],
  ];

  it('accepts every body the handler accepts (never stricter than zod)', () => {
    for (const [name, body] of valid) {
      expect(zodAccepts(name, body), JSON.stringify(body)).toBe(true);
      expect(accepts(name, body), `${name} ${JSON.stringify(body)}: ${ajv.errorsText()}`).toBe(true);
    }
  });

  it('rejects malformed bodies at the edge as the handler does', () => {
    for (const [name, body] of invalid) {
      expect(zodAccepts(name, body), JSON.stringify(body)).toBe(false);
      expect(accepts(name, body), `${name} ${JSON.stringify(body)}`).toBe(false);
    }
  });

  it('keeps only draft-4 keywords, self-contained', () => {
    for (const name of Object.keys(GATEWAY_MODELS) as GatewayModelName[]) {
      const text = JSON.stringify(gatewayModel(name));
      for (const keyword of ['$ref', '"format"', '"pattern"', '"examples"', '"const"', '"id"', '$defs']) expect(text, `${name}: ${keyword}`).not.toContain(keyword);
      expect(ajv.validateSchema(gatewayModel(name))).toBe(true);
    }
  });
});

describe('the contract check every end-to-end response goes through', () => {
  const headers = (h: Record<string, string>) => new Headers(h);
  const entity = { id: '3f0c2a1e-8d4b-4c7e-9a51-2b6f0d9e7c10', tenantId: 't', name: 'n', attributes: {}, visibility: 'private', version: 1, createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z' };
  const ok = { method: 'GET', path: `/api/v1/secure/entities/${entity.id}`, status: 200, headers: headers({ 'content-type': 'application/json', etag: '"1"', 'cache-control': 'private, no-cache', 'x-correlation-id': 'c' }), text: JSON.stringify(entity) };

  it('passes a response that honours the document', () => {
    expect(contractViolations(ok)).toEqual([]);
  });

  it('catches an undocumented status, a missing header, a wrong body, an undocumented member and an undocumented route', () => {
    expect(contractViolations({ ...ok, status: 418 })[0]).toMatch(/status 418 is not documented/);
    expect(contractViolations({ ...ok, headers: headers({ 'content-type': 'application/json', 'x-correlation-id': 'c' }) }).join()).toMatch(/ETag is missing/);
    expect(contractViolations({ ...ok, text: JSON.stringify({ ...entity, version: 'one' }) }).join()).toMatch(/does not match/);
    expect(contractViolations({ ...ok, text: JSON.stringify({ ...entity, secret: 1 }) }).join()).toMatch(/does not match/);
    expect(contractViolations({ ...ok, path: '/api/v1/nowhere' }).join()).toMatch(/not in the document/);
    expect(contractViolations({ ...ok, method: 'POST', status: 201 }).join()).toMatch(/not a 405/);
  });
});

describe('the reference page', () => {
  it('lists every operation and schema, escapes text, and loads nothing from elsewhere', () => {
    const html = renderReferencePage(openApiDocument);
    for (const [path, item] of Object.entries(openApiDocument.paths as Record<string, Record<string, any>>)) {
      for (const method of METHODS.filter((m) => item[m])) expect(html).toContain(`id="op-${item[method].operationId}"`);
      expect(html).toContain(`<code>${path}</code>`);
    }
    for (const name of Object.keys(openApiDocument.components.schemas)) expect(html).toContain(`id="schema-${name}"`);
    expect(html).not.toMatch(/<script|<link|src=|href="(?:https?:)?\/\//i);
    expect(renderReferencePage({ info: { title: '<img onerror=x>' }, paths: {} })).toContain('&lt;img onerror=x&gt;');
  });
});
