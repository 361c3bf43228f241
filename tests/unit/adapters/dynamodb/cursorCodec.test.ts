import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CursorCodec } from '../../../../src/adapters/dynamodb/cursorCodec.ts';
import { ValidationError } from '../../../../src/domain/errors.ts';

const KEY = 'a-test-signing-key-0123456789';
const FINGERPRINT = JSON.stringify([{ kind: 'tenant', tenantId: 'acme' }, null]);
const codec = new CursorCodec(KEY);
const position = { segment: 1, key: { pk: 'ENTITY#e1', sk: 'METADATA', tenantKey: 'TENANT#acme' } };

function expectInvalidCursor(decode: () => unknown): void {
  let thrown: unknown;
  try {
    decode();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ValidationError);
  expect((thrown as ValidationError).issues).toEqual([{ path: '/cursor', message: expect.stringMatching(/cursor is invalid/) as unknown }]);
}

/** Flips one character of a base64url string to another valid base64url character. */
const flip = (s: string, at: number): string => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);

describe('CursorCodec', () => {
  it('round-trips a position, with or without a key', () => {
    expect(codec.decode(codec.encode(position, FINGERPRINT), FINGERPRINT)).toEqual(position);
    expect(codec.decode(codec.encode({ segment: 0, key: undefined }, FINGERPRINT), FINGERPRINT)).toEqual({ segment: 0, key: undefined });
  });

  it('is opaque: URL-safe and not showing the key in clear text', () => {
    const cursor = codec.encode(position, FINGERPRINT);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('ENTITY#');
  });

  it('rejects a cursor whose body was modified', () => {
    const [body, mac] = codec.encode(position, FINGERPRINT).split('.');
    const forged = Buffer.from(JSON.stringify({ s: 1, k: { pk: 'ENTITY#other', sk: 'METADATA', tenantKey: 'TENANT#globex' } })).toString('base64url');
    expectInvalidCursor(() => codec.decode(`${forged}.${mac}`, FINGERPRINT));
    expectInvalidCursor(() => codec.decode(`${flip(body ?? '', 3)}.${mac}`, FINGERPRINT));
  });

  it('rejects a cursor whose MAC was modified, truncated or extended', () => {
    const [body, mac = ''] = codec.encode(position, FINGERPRINT).split('.');
    expectInvalidCursor(() => codec.decode(`${body}.${flip(mac, 0)}`, FINGERPRINT));
    expectInvalidCursor(() => codec.decode(`${body}.${mac.slice(1)}`, FINGERPRINT));
    expectInvalidCursor(() => codec.decode(`${body}.${mac}A`, FINGERPRINT));
  });

  it('rejects a cursor issued for another query fingerprint', () => {
    const cursor = codec.encode(position, FINGERPRINT);
    expectInvalidCursor(() => codec.decode(cursor, JSON.stringify([{ kind: 'tenant', tenantId: 'globex' }, null])));
    expectInvalidCursor(() => codec.decode(cursor, JSON.stringify([{ kind: 'tenant', tenantId: 'acme' }, 'widget'])));
  });

  it('rejects a cursor signed with another key', () => {
    const cursor = new CursorCodec('another-signing-key-9876543210').encode(position, FINGERPRINT);
    expectInvalidCursor(() => codec.decode(cursor, FINGERPRINT));
  });

  it.each(['', 'garbage', '.', 'a.', '.b', 'a.b', 'a.b.c', '🙂.🙂', `${'x'.repeat(100)}.${'y'.repeat(43)}`])('rejects the garbage cursor %j', (cursor) => {
    expectInvalidCursor(() => codec.decode(cursor, FINGERPRINT));
  });

  it('rejects a correctly signed cursor whose position has the wrong shape', () => {
    // Signed as documented (HMAC-SHA256 over fingerprint + "\n" + body): only the key holder can do this.
    const signed = (payload: unknown): string => {
      const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
      return `${body}.${createHmac('sha256', KEY).update(FINGERPRINT).update('\n').update(body).digest('base64url')}`;
    };
    expect(codec.decode(signed({ s: 2, k: null }), FINGERPRINT)).toEqual({ segment: 2, key: undefined });
    expectInvalidCursor(() => codec.decode(signed({ s: 'x', k: null }), FINGERPRINT));
    expectInvalidCursor(() => codec.decode(signed({ s: 1.5, k: null }), FINGERPRINT));
    expectInvalidCursor(() => codec.decode(signed({ s: 0, k: 'key' }), FINGERPRINT));
  });

  it('requires a signing key of at least 16 characters', () => {
    expect(() => new CursorCodec('short')).toThrow(/at least 16/);
    expect(() => new CursorCodec('x'.repeat(16))).not.toThrow();
  });
});
