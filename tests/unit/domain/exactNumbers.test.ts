import { describe, expect, it } from 'vitest';
import { firstInexactNumber } from '../../../src/domain/exactNumbers.ts';

describe('firstInexactNumber', () => {
  it('finds a number that JSON.parse would round, wherever it is', () => {
    expect(firstInexactNumber('{"a":[1,{"b":12345678901234567891}]}')).toBe('12345678901234567891');
    expect(firstInexactNumber('[9007199254740993]')).toBe('9007199254740993');
    expect(firstInexactNumber('[1.00000000000000000001]')).toBe('1.00000000000000000001');
    expect(firstInexactNumber('[-1.2345678901234567e-130]')).toBe('-1.2345678901234567e-130');
  });

  it('accepts every number a double holds exactly, however it is written', () => {
    for (const text of ['[1e20]', '[100000000000000000000]', '[100000000000000000000.000]', '[9007199254740991]', '[0.1]', '[0.30000000000000004]', '[9.9e125]', '[1E-130]', '[-0]', '[1234567890.1234567]', '[0.000000000000000000001]']) {
      expect(firstInexactNumber(text), text).toBeUndefined();
    }
  });

  it('ignores digits inside strings and reads ordinary documents without parsing them again', () => {
    expect(firstInexactNumber('{"serial":"12345678901234567891"}')).toBeUndefined();
    expect(firstInexactNumber('{"n":123456789012345}')).toBeUndefined();
  });
});
