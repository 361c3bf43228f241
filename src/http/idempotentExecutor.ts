import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { IdempotencyAlreadyInProgressError, IdempotencyValidationError } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { UnprocessableError } from '../domain/errors.ts';
import { IDEMPOTENCY_HEADER, REPLAYED_HEADER, type IdempotentExecutor } from './idempotencyKey.ts';
import { HttpProblem } from './problem.ts';

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
      // A JSON array keeps the parts apart whatever they hold: `sub` or the key may contain any separator.
      return await once({ key: JSON.stringify([...call.scope, call.key]), fingerprint: call.fingerprint }, execute);
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
