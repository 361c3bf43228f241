import { describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import { ValidationError, type FieldIssue } from '../../../src/domain/errors.ts';
import { createEntitySchema, entityPathSchema, listEntitiesQuerySchema, patchEntitySchema, replaceEntitySchema } from '../../../src/domain/entitySchemas.ts';
import { parseInput, SERVER_OWNED_FIELDS } from '../../../src/domain/parseInput.ts';

/** The ValidationError parseInput throws, or a failure if it does not throw one. */
function rejection(schema: z.core.$ZodType, value: unknown, where: 'body' | 'query' | 'path' = 'body'): ValidationError {
  try {
    parseInput(schema, value, where);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
}
const issuesOf = (schema: z.core.$ZodType, value: unknown, where?: 'body' | 'query' | 'path'): readonly FieldIssue[] => rejection(schema, value, where).issues;

describe('create and replace schemas', () => {
  it('is the same schema for PUT as for POST', () => {
    expect(replaceEntitySchema).toBe(createEntitySchema);
  });

  it('trims the name and applies defaults for visibility and attributes', () => {
    expect(parseInput(createEntitySchema, { name: '  Widget \n' }, 'body')).toEqual({ name: 'Widget', visibility: 'private', attributes: {} });
  });

  it('keeps given attributes and visibility', () => {
    const input = { name: 'w', visibility: 'public', attributes: { colour: 'red', n: [1, { x: null }] } };
    expect(parseInput(createEntitySchema, input, 'body')).toEqual(input);
  });

  it('accepts a name of 255 characters after trimming and rejects 256', () => {
    expect(parseInput(createEntitySchema, { name: `  ${'n'.repeat(255)}  ` }, 'body').name).toHaveLength(255);
    expect(issuesOf(createEntitySchema, { name: 'n'.repeat(256) })).toEqual([{ path: '/name', message: expect.stringMatching(/at most 255/) as unknown }]);
  });

  it.each(['', '   ', '\t\n'])('rejects the empty or blank name %j', (name) => {
    expect(issuesOf(createEntitySchema, { name })).toEqual([{ path: '/name', message: expect.stringMatching(/empty/) as unknown }]);
  });

  it.each(['a\u0000b', 'a\nb', 'tab\there', 'del\u007f', 'esc\u001b[31m'])('rejects the name %j with a control character inside', (name) => {
    expect(issuesOf(createEntitySchema, { name })).toEqual([{ path: '/name', message: expect.stringMatching(/control characters/) as unknown }]);
  });

  // C1 controls (U+0080–U+009F, e.g. NEL, CSI) are control characters too.
  it('rejects a name with a C1 control character (U+0080–U+009F)', () => {
    expect(issuesOf(createEntitySchema, { name: 'a\u0085b' })[0]?.path).toBe('/name');
    expect(issuesOf(createEntitySchema, { name: 'a\u009b31m' })[0]?.path).toBe('/name');
  });

  it.each([[{}], [{ name: 42 }], [{ name: null }]])('requires a string name: %j', (body) => {
    expect(issuesOf(createEntitySchema, body)).toEqual([{ path: '/name', message: 'name is required and must be a string' }]);
  });

  it('rejects an unknown visibility', () => {
    expect(issuesOf(createEntitySchema, { name: 'w', visibility: 'secret' })).toEqual([{ path: '/visibility', message: 'visibility must be "public" or "private"' }]);
  });

  it.each(SERVER_OWNED_FIELDS)('rejects the server-owned field %s with a message naming it', (field) => {
    const issues = issuesOf(createEntitySchema, { name: 'w', [field]: 'x' });
    expect(issues).toEqual([{ path: `/${field}`, message: `${field} is set by the service and cannot be provided; remove it` }]);
  });

  it('lists every server-owned and unknown field at once', () => {
    const issues = issuesOf(createEntitySchema, { name: 'w', id: 'x', version: 3, colour: 'red' });
    expect(issues.map((i) => i.path)).toEqual(['/id', '/version', '/colour']);
    expect(issues[2]?.message).toBe('unknown field "colour"; remove it');
  });

  it('reports attribute problems with their full path', () => {
    const attributes = JSON.parse('{"a":{"__proto__":1},"b c":1,"n":[1e300]}') as unknown;
    const issues = issuesOf(createEntitySchema, { name: 'w', attributes });
    expect(issues.map((i) => i.path)).toEqual(['/attributes/a/__proto__', '/attributes/b c', '/attributes/n/0']);
    expect(issues[0]?.message).toMatch(/reserved/);
  });

  it('rejects attributes that are not an object', () => {
    expect(issuesOf(createEntitySchema, { name: 'w', attributes: [1] })).toEqual([{ path: '/attributes', message: expect.stringMatching(/JSON object/) as unknown }]);
  });

  it.each([[null], [[]], ['text'], [7]])('says the body must be an object when it is %j', (body) => {
    const error = rejection(createEntitySchema, body);
    expect(error.message).toBe('The request body is invalid.');
    expect(error.issues).toEqual([{ path: '/', message: 'the body must be a JSON object' }]);
  });
});

describe('patch schema', () => {
  it('accepts any single field and trims a name', () => {
    expect(parseInput(patchEntitySchema, { name: ' x ' }, 'body')).toEqual({ name: 'x' });
    expect(parseInput(patchEntitySchema, { visibility: 'public' }, 'body')).toEqual({ visibility: 'public' });
    expect(parseInput(patchEntitySchema, { attributes: { a: null } }, 'body')).toEqual({ attributes: { a: null } });
  });

  it('needs at least one field', () => {
    expect(issuesOf(patchEntitySchema, {})).toEqual([{ path: '/', message: 'a patch must change at least one of name, attributes or visibility' }]);
  });

  it('rejects server-owned fields by name and keeps name rules', () => {
    expect(issuesOf(patchEntitySchema, { updatedAt: 'x', name: 'ok' })).toEqual([{ path: '/updatedAt', message: 'updatedAt is set by the service and cannot be provided; remove it' }]);
    expect(issuesOf(patchEntitySchema, { name: '  ' })[0]?.path).toBe('/name');
  });
});

describe('list query schema', () => {
  it('defaults the limit to 20 and coerces it from a string', () => {
    expect(parseInput(listEntitiesQuerySchema, {}, 'query')).toEqual({ limit: 20 });
    expect(parseInput(listEntitiesQuerySchema, { limit: '1' }, 'query').limit).toBe(1);
    expect(parseInput(listEntitiesQuerySchema, { limit: '100', name: ' W ', cursor: 'abc' }, 'query')).toEqual({ limit: 100, name: 'W', cursor: 'abc' });
  });

  it.each([
    ['0', /at least 1/],
    ['101', /at most 100/],
    ['-5', /at least 1/],
    ['2.5', /integer from 1 to 100/],
    ['abc', /integer from 1 to 100/],
    ['', /at least 1/],
  ])('rejects limit=%j', (limit, message) => {
    const error = rejection(listEntitiesQuerySchema, { limit }, 'query');
    expect(error.message).toBe('The query string is invalid.');
    expect(error.issues).toEqual([{ path: '/limit', message: expect.stringMatching(message) as unknown }]);
  });

  it('calls unknown query keys parameters and bounds the cursor', () => {
    expect(issuesOf(listEntitiesQuerySchema, { page: '2' }, 'query')).toEqual([{ path: '/page', message: 'unknown parameter "page"; remove it' }]);
    expect(issuesOf(listEntitiesQuerySchema, { cursor: 'c'.repeat(2049) }, 'query')[0]?.path).toBe('/cursor');
    // zod's own English message: zod/mini installs no locale, src/domain/zodLocale.ts does.
    expect(issuesOf(listEntitiesQuerySchema, { cursor: '' }, 'query')).toEqual([{ path: '/cursor', message: 'Too small: expected string to have >=1 characters' }]);
  });
});

describe('path schema', () => {
  it('requires a UUID id', () => {
    const id = '3f0c2a1e-8d4b-4c7e-9a51-2b6f0d9e7c10';
    expect(parseInput(entityPathSchema, { id }, 'path')).toEqual({ id });
    const error = rejection(entityPathSchema, { id: 'nope' }, 'path');
    expect(error.message).toBe('The request path is invalid.');
    expect(error.issues).toEqual([{ path: '/id', message: expect.stringMatching(/UUID/) as unknown }]);
  });
});
