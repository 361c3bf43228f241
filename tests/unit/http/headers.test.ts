import { describe, expect, it } from 'vitest';
import { header } from '../../../src/http/headers.ts';

describe('header lookup', () => {
  const event = (headers: Record<string, string | undefined> | null) => ({ headers }) as Parameters<typeof header>[0];

  it('ignores the case of the name, as API Gateway passes names as the client sent them', () => {
    const headers = event({ 'If-None-Match': '"3"', 'X-CORRELATION-ID': 'abc', authorization: 'Bearer t' });
    expect(header(headers, 'if-none-match')).toBe('"3"');
    expect(header(headers, 'If-None-Match')).toBe('"3"');
    expect(header(headers, 'x-correlation-id')).toBe('abc');
    expect(header(headers, 'Authorization')).toBe('Bearer t');
  });

  it('finds nothing for a name that only shares its length, or for no headers at all', () => {
    expect(header(event({ 'If-Nonx-Match': '"3"', 'Content-Type': 'a' }), 'if-none-match')).toBeUndefined();
    expect(header(event({}), 'if-none-match')).toBeUndefined();
    expect(header(event(null), 'if-none-match')).toBeUndefined();
  });

  it('skips a header without a value and takes the next spelling that has one', () => {
    expect(header(event({ 'if-match': undefined, 'If-Match': '"2"' }), 'if-match')).toBe('"2"');
  });

  it('lower-cases as before for names that are not plain ASCII (the Kelvin sign is a k)', () => {
    expect(header(event({ 'x-\u212Aey': 'v' }), 'x-key')).toBe('v');
  });
});
