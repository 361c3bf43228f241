import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync } from 'node:fs';
import { awsCallLogCaller, awsCallLogFile } from '../config/environment.ts';
import type { MetadataBearer, MiddlewareStack } from '@smithy/types';

/**
 * The record of every AWS request a function makes, for the permission tests (tests/permissions):
 * with `AWS_CALL_LOG` set to a file, each SDK call appends one JSON line naming the caller (the
 * Lambda function, or `AWS_CALL_LOG_CALLER` for the worker), the service, the operation and the
 * parts of its input that name resources (table, index, bus, bucket and key, cluster, task
 * definition, parameter, secret). Values are never recorded. Unset (as in AWS), nothing is added
 * to any client and no handler is wrapped.
 *
 * The caller is kept per invocation (AsyncLocalStorage), not read from the environment at call
 * time: serverless-offline runs every function in one process, so the environment names whichever
 * function started last.
 */
const LOG_FILE = awsCallLogFile();
const callers = LOG_FILE ? new AsyncLocalStorage<string>() : undefined;

export interface AwsCall {
  readonly caller: string;
  /** The SDK client's name without `Client`: `DynamoDB`, `EventBridge`, `S3`, `SSM`, `SecretsManager`, `ECS`, `RDS`. */
  readonly service: string;
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

/** Runs each invocation of `handler` as its function (a no-op unless calls are recorded). */
export function recordedAsCaller<E, C extends { readonly functionName: string }, R>(handler: (event: E, context: C) => Promise<R>): (event: E, context: C) => Promise<R> {
  if (!callers) return handler;
  return (event, context) => callers.run(context.functionName, () => handler(event, context));
}

/** Appends one call to the log, when calls are recorded and the caller is known. */
export function recordAwsCall(service: string, operation: string, input: Record<string, unknown>): void {
  if (!LOG_FILE) return;
  const caller = callers?.getStore() ?? awsCallLogCaller();
  if (!caller) return; // a test's own client, not a function's
  const call: AwsCall = { caller, service, operation, input };
  appendFileSync(LOG_FILE, `${JSON.stringify(call)}\n`);
}

/** Input members that name what a call acts on; everything else (items, values, bodies) is left out. */
const NAMING = new Set(['TableName', 'IndexName', 'EventBusName', 'Bucket', 'Key', 'Prefix', 'cluster', 'taskDefinition', 'task', 'tasks', 'Name', 'Names', 'Path', 'SecretId', 'WithDecryption', 'DbUser', 'Hostname', 'ServerSideEncryption', 'SSEKMSKeyId']);
/** Containers whose members hold naming members (transactions, batches, event entries). */
const NESTED = new Set(['TransactItems', 'Put', 'Update', 'Delete', 'ConditionCheck', 'Get', 'Entries']);

function naming(input: unknown): unknown {
  if (Array.isArray(input)) return input.map(naming);
  if (typeof input !== 'object' || input === null) return input;
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (NAMING.has(key)) kept[key] = value;
    else if (NESTED.has(key)) kept[key] = naming(value);
    // A batch is keyed by table name: the names, not the requests.
    else if (key === 'RequestItems' && typeof value === 'object' && value !== null) kept[key] = Object.keys(value);
  }
  return kept;
}

/** Records each call `client` makes (a no-op unless calls are recorded); pre-signed URLs count as calls. */
export function recordCalls<T extends { readonly middlewareStack: object }>(client: T): T {
  if (!LOG_FILE) return client;
  // Any client's stack takes an initialize-step middleware; its own types are per service.
  (client.middlewareStack as MiddlewareStack<object, MetadataBearer>).add(
    (next, context) => (args) => {
      recordAwsCall((context.clientName ?? 'Unknown').replace(/Client$/, ''), (context.commandName ?? 'Unknown').replace(/Command$/, ''), naming(args.input) as Record<string, unknown>);
      return next(args);
    },
    { step: 'initialize', name: 'recordAwsCall' },
  );
  return client;
}
