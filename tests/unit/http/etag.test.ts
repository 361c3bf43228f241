import { describe, expect, it } from 'vitest';
import { PreconditionFailedError } from '../../../src/domain/errors.ts';
import { etagFor, expectedVersionFrom, isNotModified } from '../../../src/http/etag.ts';

describe('etagFor', () => {
  it('is a strong ETag quoting the version', () => {
    expect(etagFor(3)).toBe('"3"');
    expect(etagFor(120)).toBe('"120"');
  });

  it('round-trips through expectedVersionFrom', () => {
    expect(expectedVersionFrom(etagFor(42))).toBe(42);
  });
});

describe('expectedVersionFrom', () => {
  it.each([undefined, '*', ' * '])('pins nothing for %j', (header) => {
    expect(expectedVersionFrom(header)).toBeUndefined();
  });

  it.each([['"3"', 3], [' "3" ', 3], ['"0"', 0], ['"999999999999999"', 999999999999999]])('reads %j as version %d', (header, version) => {
    expect(expectedVersionFrom(header)).toBe(version);
  });

  it.each(['3', 'garbage', '', '"abc"', '"3', "'3'", '"-1"', '"1.5"', '"1234567890123456"', '"3", "4"', '"3","3"'])(
    'fails the precondition for %j',
    (header) => {
      expect(() => expectedVersionFrom(header)).toThrow(PreconditionFailedError);
      expect(() => expectedVersionFrom(header)).toThrow(/exactly one ETag/);
    },
  );
});

describe('expectedVersionFrom: strong comparison (issue 18)', () => {
  it.each(['W/3', 'W/"3"', ' W/"3" ', '"4", W/"3"', 'W/"3", "4"'])('fails the precondition for the weak %j, saying why', (header) => {
    expect(() => expectedVersionFrom(header)).toThrow(PreconditionFailedError);
    expect(() => expectedVersionFrom(header)).toThrow(/weak ETag/);
  });
});

describe('isNotModified', () => {
  it('is false without If-None-Match', () => {
    expect(isNotModified(undefined, 3)).toBe(false);
  });

  it('matches the current version, strong or weak, alone or in a list', () => {
    expect(isNotModified('"3"', 3)).toBe(true);
    expect(isNotModified('W/"3"', 3)).toBe(true);
    expect(isNotModified('"1", "2" ,W/"3"', 3)).toBe(true);
  });

  it('does not match another version or garbage', () => {
    expect(isNotModified('"2"', 3)).toBe(false);
    expect(isNotModified('"2", "4"', 3)).toBe(false);
    expect(isNotModified('3', 3)).toBe(false);
    expect(isNotModified('garbage', 3)).toBe(false);
  });

  it('treats * as matching any current representation', () => {
    expect(isNotModified('*', 1)).toBe(true);
  });
});
