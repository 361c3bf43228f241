import { createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../../domain/errors.ts';

/** Where a paged query stopped: which segment of the query, and DynamoDB's key within it. */
export interface CursorPosition {
  readonly segment: number;
  /** `undefined`: start the segment from its beginning. */
  readonly key: Record<string, unknown> | undefined;
}

const INVALID = 'cursor is invalid, expired or belongs to another query; pass the nextCursor from the previous page unchanged, or omit it to start over';

/**
 * Opaque, tamper-checked cursors: base64url(JSON) + "." + base64url(HMAC-SHA256). The MAC also
 * covers the query the cursor was issued for, so a cursor cannot be replayed against another
 * query (another tenant, name or visibility scope).
 */
export class CursorCodec {
  private readonly key: string;

  constructor(signingKey: string) {
    if (signingKey.length < 16) throw new Error('cursor signing key must be at least 16 characters');
    this.key = signingKey;
  }

  encode(position: CursorPosition, queryFingerprint: string): string {
    const body = Buffer.from(JSON.stringify({ s: position.segment, k: position.key ?? null })).toString('base64url');
    return `${body}.${this.mac(body, queryFingerprint)}`;
  }

  decode(cursor: string, queryFingerprint: string): CursorPosition {
    const [body, mac, extra] = cursor.split('.');
    if (!body || !mac || extra !== undefined) throw invalid();
    const expected = Buffer.from(this.mac(body, queryFingerprint));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
    const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { s?: unknown; k?: unknown };
    if (!Number.isInteger(parsed.s) || typeof parsed.k !== 'object') throw invalid();
    return { segment: parsed.s as number, key: (parsed.k ?? undefined) as Record<string, unknown> | undefined };
  }

  private mac(body: string, queryFingerprint: string): string {
    return createHmac('sha256', this.key).update(queryFingerprint).update('\n').update(body).digest('base64url');
  }
}

function invalid(): ValidationError {
  return new ValidationError('The query string is invalid.', [{ path: '/cursor', message: INVALID }]);
}

/**
 * The codec for a key, or for a key fetched when a cursor is first signed or checked (a secret:
 * the caller's function memoizes the fetch, as the composition's `once` does).
 */
export function cursorCodecFor(signingKey: string | (() => Promise<string>)): () => Promise<CursorCodec> {
  if (typeof signingKey === 'string') {
    const codec = Promise.resolve(new CursorCodec(signingKey));
    return () => codec;
  }
  return async () => new CursorCodec(await signingKey());
}
