import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { header } from './headers.ts';
import { HttpProblem } from './problem.ts';

/*
 * The Idempotency-Key header and the executor's shape, apart from the executor itself
 * (./idempotentExecutor.ts), which needs Powertools idempotency: every handler parses the header, only
 * the write handlers bundle the executor.
 */

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

const KEY = /^[\x20-\x7e]{1,255}$/;

/** The request's Idempotency-Key, validated; `undefined` when the client sent none. */
export function idempotencyKeyOf(event: APIGatewayProxyEvent): string | undefined {
  const key = header(event, IDEMPOTENCY_HEADER);
  if (key === undefined) return undefined;
  if (!KEY.test(key)) {
    throw new HttpProblem('validation', `${IDEMPOTENCY_HEADER} must be 1 to 255 printable ASCII characters, e.g. a UUID.`, {
      issues: [{ path: `/headers/${IDEMPOTENCY_HEADER}`, message: 'use 1 to 255 printable ASCII characters' }],
    });
  }
  return key;
}

export interface IdempotentCall {
  /** Who is asking (`[tenant, sub]`, or `[]` for nobody): the key is only ever matched within one tenant and one caller. */
  readonly scope: readonly string[];
  readonly key: string;
  /** What is asked: a key reused with another fingerprint is refused (422). */
  readonly fingerprint: unknown;
}

/**
 * Runs `execute` at most once per (function, scope, key) within the TTL and returns the first
 * outcome to every later call, marked `Idempotent-Replayed: true`. `execute` must return the
 * outcomes to keep (2xx and 4xx) and throw the ones to forget (5xx), so a retry can succeed.
 */
export type IdempotentExecutor = (call: IdempotentCall, context: Context, execute: () => Promise<APIGatewayProxyResult>) => Promise<APIGatewayProxyResult>;
