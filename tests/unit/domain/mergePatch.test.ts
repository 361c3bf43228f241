import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../src/domain/entity.ts';
import { applyMergePatch } from '../../../src/domain/mergePatch.ts';

const json = (text: string): JsonValue => JSON.parse(text) as JsonValue;

describe('applyMergePatch', () => {
  // RFC 7396, Appendix A: [original, patch, result].
  it.each([
    ['{"a":"b"}', '{"a":"c"}', '{"a":"c"}'],
    ['{"a":"b"}', '{"b":"c"}', '{"a":"b","b":"c"}'],
    ['{"a":"b"}', '{"a":null}', '{}'],
    ['{"a":"b","b":"c"}', '{"a":null}', '{"b":"c"}'],
    ['{"a":["b"]}', '{"a":"c"}', '{"a":"c"}'],
    ['{"a":"c"}', '{"a":["b"]}', '{"a":["b"]}'],
    ['{"a":{"b":"c"}}', '{"a":{"b":"d","c":null}}', '{"a":{"b":"d"}}'],
    ['{"a":[{"b":"c"}]}', '{"a":[1]}', '{"a":[1]}'],
    ['["a","b"]', '["c","d"]', '["c","d"]'],
    ['{"a":"b"}', '["c"]', '["c"]'],
    ['{"a":"foo"}', 'null', 'null'],
    ['{"a":"foo"}', '"bar"', '"bar"'],
    ['{"e":null}', '{"a":1}', '{"e":null,"a":1}'],
    ['[1,2]', '{"a":"b","c":null}', '{"a":"b"}'],
    ['{}', '{"a":{"bb":{"ccc":null}}}', '{"a":{"bb":{}}}'],
  ])('RFC 7396 example: %s + %s = %s', (original, patch, result) => {
    expect(applyMergePatch(json(original), json(patch))).toEqual(json(result));
  });

  it('merges nested objects member by member and keeps untouched members', () => {
    const target = json('{"size":{"w":1,"h":2,"unit":"cm"},"colour":"red"}');
    expect(applyMergePatch(target, json('{"size":{"h":3,"unit":null,"d":{"x":1}}}'))).toEqual(
      json('{"size":{"w":1,"h":3,"d":{"x":1}},"colour":"red"}'),
    );
  });

  it('replaces arrays wholesale rather than merging them', () => {
    expect(applyMergePatch(json('{"tags":["a","b","c"]}'), json('{"tags":["z"]}'))).toEqual({ tags: ['z'] });
  });

  it('treats a missing target as an empty object and strips nulls from new nested objects', () => {
    expect(applyMergePatch(undefined, json('{"a":{"b":null,"c":1}}'))).toEqual({ a: { c: 1 } });
  });

  it('removing a member that does not exist is a no-op', () => {
    expect(applyMergePatch(json('{"a":1}'), json('{"zzz":null}'))).toEqual({ a: 1 });
  });

  it('does not mutate the target or the patch', () => {
    const target = json('{"a":{"b":1,"c":[1,2]},"d":"x"}');
    const patch = json('{"a":{"b":null,"e":{"f":1}},"d":null}');
    const targetBefore = structuredClone(target);
    const patchBefore = structuredClone(patch);
    const result = applyMergePatch(target, patch);
    expect(result).toEqual({ a: { c: [1, 2], e: { f: 1 } } });
    expect(target).toEqual(targetBefore);
    expect(patch).toEqual(patchBefore);
    expect(result).not.toBe(target);
  });

  it('handles member names that shadow Object.prototype members', () => {
    expect(applyMergePatch(json('{}'), json('{"toString":{"a":1},"hasOwnProperty":"x"}'))).toEqual({ toString: { a: 1 }, hasOwnProperty: 'x' });
  });
});
