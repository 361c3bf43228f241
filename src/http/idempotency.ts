import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { IdempotencyAlreadyInProgressError, IdempotencyValidationError } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { UnprocessableError } from '../domain/errors.ts';
import { header } from './headers.ts';
import { HttpProblem } from './problem.ts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
/** Keys and their outcomes are kept this long (then the table's TTL removes them). */
export const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

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
  /** Who is asking: the key is only ever matched within one tenant and one caller. */
  readonly scope: string;
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

export function createIdempotentExecutor(store: BasePersistenceLayer, options: { ttlSeconds: number }): IdempotentExecutor {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    payloadValidationJmesPath: 'fingerprint',
    expiresAfterSeconds: options.ttlSeconds,
    hashFunction: 'sha256',
    responseHook: (response) => {
      const result = response as unknown as APIGatewayProxyResult;
      return { ...result, headers: { ...result.headers, [REPLAYED_HEADER]: 'true' } };
    },
  });
  const once = makeIdempotent(
    async (_input: { key: string; fingerprint: unknown }, execute: () => Promise<APIGatewayProxyResult>) => execute(),
    { persistenceStore: store, config, dataIndexArgument: 0 },
  );
  return async (call, context, execute) => {
    // The in-flight lock expires with this invocation's remaining time, so a crashed attempt does not block the key for the whole TTL.
    config.registerLambdaContext(context);
    try {
      return await once({ key: `${call.scope}#${call.key}`, fingerprint: call.fingerprint }, execute);
    } catch (error) {
      if (error instanceof IdempotencyValidationError) {
        throw new UnprocessableError(`This ${IDEMPOTENCY_HEADER} was already used for a different request (method, path, body or If-Match); use a new key for a new request.`);
      }
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new HttpProblem('conflict', `A request with this ${IDEMPOTENCY_HEADER} is still in progress; retry shortly to receive its outcome.`, { headers: { 'Retry-After': '1' } });
      }
      throw error;
    }
  };
}
