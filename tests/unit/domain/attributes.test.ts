import { describe, expect, it } from 'vitest';
import { ATTRIBUTE_LIMITS, checkAttributes } from '../../../src/domain/attributes.ts';

/** An object `levels` containers deep: nest(1) is `{}`, nest(2) is `{ a: {} }`, ... */
function nest(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

/** `{"a":"xxx…"}` serialized to exactly `bytes` UTF-8 bytes. */
function ofSize(bytes: number): Record<string, unknown> {
  const overhead = JSON.stringify({ a: '' }).length;
  return { a: 'x'.repeat(bytes - overhead) };
}

const paths = (value: unknown): string[] => checkAttributes(value).map((i) => i.path);

describe('checkAttributes', () => {
  it('accepts a typical JSON document', () => {
    expect(checkAttributes({ colour: 'red', size: 3, tags: ['a', 'b'], nested: { ok: true, none: null }, 'with-dash_1': 0 })).toEqual([]);
  });

  it.each([['string', 'red'], ['array', [1]], ['null', null], ['number', 1], ['date', new Date(0)], ['class instance', new Map()]])(
    'rejects a non-object (%s) at the base path',
    (_label, value) => {
      const issues = checkAttributes(value);
      expect(issues).toHaveLength(1);
      expect(issues[0]?.path).toBe('/attributes');
      expect(issues[0]?.message).toMatch(/JSON object/);
    },
  );

  it.each(['b c', '1abc', 'a.b', 'a/b', '', 'é', 'x'.repeat(129)])('rejects the non-plain key %j', (key) => {
    const issues = checkAttributes({ [key]: 1 });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toMatch(/plain names/);
  });

  it('accepts a key of exactly the maximum length', () => {
    expect(checkAttributes({ ['k'.repeat(ATTRIBUTE_LIMITS.maxKeyLength)]: 1 })).toEqual([]);
  });

  it('escapes the offending key as a JSON Pointer segment', () => {
    expect(paths({ 'a/b': 1, 'c~d': 2 })).toEqual(['/attributes/a~1b', '/attributes/c~0d']);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('rejects the reserved key %s at the top and at depth', (key) => {
    const top = JSON.parse(`{"${key}": {"x": 1}}`) as unknown;
    const deep = JSON.parse(`{"a": {"b": [{"${key}": 1}]}}`) as unknown;
    expect(paths(top)).toEqual([`/attributes/${key}`]);
    expect(paths(deep)).toEqual([`/attributes/a/b/0/${key}`]);
    expect(checkAttributes(deep)[0]?.message).toMatch(/reserved/);
  });

  it('accepts nesting of exactly the maximum depth and rejects one level more', () => {
    expect(checkAttributes(nest(ATTRIBUTE_LIMITS.maxDepth))).toEqual([]);
    const issues = checkAttributes(nest(ATTRIBUTE_LIMITS.maxDepth + 1));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('/attributes' + '/a'.repeat(ATTRIBUTE_LIMITS.maxDepth));
    expect(issues[0]?.message).toMatch(/deeper than 10/);
  });

  it('counts arrays as nesting levels', () => {
    let value: unknown = [];
    for (let i = 2; i < ATTRIBUTE_LIMITS.maxDepth; i++) value = [value];
    expect(checkAttributes({ a: value })).toEqual([]);
    expect(checkAttributes({ a: [value] })).toHaveLength(1);
  });

  it('accepts a document of exactly 64 KiB and rejects one byte more', () => {
    expect(JSON.stringify(ofSize(65536))).toHaveLength(65536);
    expect(checkAttributes(ofSize(ATTRIBUTE_LIMITS.maxSerializedBytes))).toEqual([]);
    const issues = checkAttributes(ofSize(ATTRIBUTE_LIMITS.maxSerializedBytes + 1));
    expect(issues).toEqual([{ path: '/attributes', message: expect.stringMatching(/65537 bytes.*65536/) as unknown }]);
  });

  it('measures size in UTF-8 bytes, not characters', () => {
    const chars = (ATTRIBUTE_LIMITS.maxSerializedBytes - 8) / 2; // "é" is 2 bytes in UTF-8
    expect(checkAttributes({ a: 'é'.repeat(chars) })).toEqual([]);
    expect(checkAttributes({ a: 'é'.repeat(chars + 1) })).toHaveLength(1);
  });

  it.each([0, -0, 1, -1, 9.9e125, -9.9e125, 1e-130, -1e-130, Number.MAX_SAFE_INTEGER])('accepts the storable number %d', (n) => {
    expect(checkAttributes({ n })).toEqual([]);
  });

  it.each([1e126, -1e126, 1e-131, -1e-131, Number.MAX_VALUE, Number.MIN_VALUE, Infinity, -Infinity, NaN])(
    'rejects the number %d that DynamoDB cannot store, with its path',
    (n) => {
      const issues = checkAttributes({ list: [1, { n }] });
      expect(issues).toHaveLength(1);
      expect(issues[0]?.path).toBe('/attributes/list/1/n');
      expect(issues[0]?.message).toMatch(/1e-130 to 9\.9e125/);
    },
  );

  it.each([['undefined', undefined], ['function', () => 1], ['bigint', 1n], ['symbol', Symbol('s')]])('rejects a non-JSON value (%s)', (_label, v) => {
    expect(paths({ v })).toEqual(['/attributes/v']);
  });

  it('reports every problem, each with its own path, and honours a custom base path', () => {
    const value = { 'bad key': 1, ok: { n: 1e200, fine: 'x' }, list: [undefined] };
    expect(paths(value)).toEqual(['/attributes/bad key', '/attributes/ok/n', '/attributes/list/0']);
    expect(checkAttributes({ n: Infinity }, []).map((i) => i.path)).toEqual(['/n']);
  });

  it('caps the number of issues reported', () => {
    const value = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, Infinity]));
    const issues = checkAttributes(value);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.length).toBeLessThanOrEqual(20);
  });

  it('accepts an object with a null prototype', () => {
    const value = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    expect(checkAttributes(value)).toEqual([]);
  });
});
