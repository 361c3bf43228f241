import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { dynamoClient, type Template } from './localStack.ts';
import { matchesPattern } from './eventPattern.ts';

/**
 * The event half of the local stack: what DynamoDB Streams, EventBridge and SQS do in AWS, driven
 * by the packaged template (so a rule, queue or mapping changed in resources/ or serverless.yml
 * changes local routing too):
 * - a stream poller reads DynamoDB Local's stream, applies the mapping's filter, and invokes the
 *   publisher with stream batches (retrying from the first failed record, then bisecting and sending
 *   to the on-failure destination as the mapping declares: deliverStreamBatch);
 * - an EventBridge stand-in (PutEvents over HTTP) matches each event against the bus's rules and
 *   puts it on each target queue;
 * - each queue delivers batches to its consumer, several at once as Lambda's pollers do; failed items come back after the
 *   visibility timeout (the queue's own, scaled down: see timeScale) and go to the dead-letter queue after the queue's maxReceiveCount.
 * Functions run inside serverless-offline and are invoked through its Lambda API.
 */

type Properties = Record<string, unknown>;
type AttributeValueJson = Record<string, unknown>;
type ImageJson = Record<string, AttributeValueJson>;
interface StreamRecordJson {
  dynamodb?: { Keys?: ImageJson; NewImage?: ImageJson; OldImage?: ImageJson; SequenceNumber?: string };
  [field: string]: unknown;
}

const getAtt = (value: unknown): string | undefined => (value as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0];

interface Queue {
  readonly logicalId: string;
  readonly messages: { messageId: string; body: string; receiveCount: number; visibleAt: number }[];
  readonly deadLetter: Queue | undefined;
  readonly maxReceiveCount: number;
  /** How long a failed message stays invisible before its next receive, locally. */
  readonly redeliveryMs: number;
}

export const DEFAULT_TIME_SCALE = 1 / 60;
/** SQS's VisibilityTimeout when a queue declares none. */
const DEFAULT_VISIBILITY_SECONDS = 30;

/** The local redelivery delay of a queue declared with `properties`: its VisibilityTimeout, scaled. */
export function redeliveryDelayMs(properties: Record<string, unknown>, timeScale = DEFAULT_TIME_SCALE): number {
  return Number(properties['VisibilityTimeout'] ?? DEFAULT_VISIBILITY_SECONDS) * 1000 * timeScale;
}

export interface LocalEventsOptions {
  readonly template: Template;
  readonly dynamoEndpoint: string;
  readonly tableName: string;
  /** serverless-offline's Lambda API, e.g. http://127.0.0.1:3002. */
  readonly lambdaEndpoint: string;
  readonly busPort: number;
  /**
   * How much faster than AWS a failed queue message comes back: SQS redelivers it after the
   * queue's VisibilityTimeout, locally after that timeout times this scale (default 1/60: a minute
   * in AWS is a second here). Every wait keeps its ratio to the others, so whatever the retries
   * outlast in AWS (a cache breaker's open time, a dependency's failover) they still outlast here,
   * while a poison message reaches its dead-letter queue within seconds.
   */
  readonly timeScale?: number;
  readonly log?: (message: string) => void;
}

export interface LocalEvents {
  readonly busEndpoint: string;
  /** Messages that ended in a dead-letter queue, by queue logical id. */
  readonly deadLetters: ReadonlyMap<string, readonly string[]>;
  stop(): Promise<void>;
}

export async function startLocalEvents(options: LocalEventsOptions): Promise<LocalEvents> {
  const log = options.log ?? (() => undefined);
  const resources = options.template.Resources;
  /** A mapping's FunctionName (the function's ARN, or a Ref to its alias) → the deployed function name. */
  const functionName = (reference: unknown): string => {
    const logicalId = getAtt(reference) ?? (reference as { Ref?: string })?.Ref;
    const target = logicalId ? resources[logicalId] : undefined;
    if (target?.Type === 'AWS::Lambda::Alias') return functionName(target.Properties['FunctionName']);
    if (target?.Type !== 'AWS::Lambda::Function') throw new Error(`Event source mapping names an unknown function ${JSON.stringify(reference)}`);
    return String(target.Properties['FunctionName']);
  };

  // Queues and their dead-letter queues, as declared.
  const queues = new Map<string, Queue>();
  const queueOf = (logicalId: string): Queue => {
    const existing = queues.get(logicalId);
    if (existing) return existing;
    const props = resources[logicalId]?.Properties ?? {};
    const redrive = props['RedrivePolicy'] as { deadLetterTargetArn?: unknown; maxReceiveCount?: number } | undefined;
    const deadLetterId = getAtt(redrive?.deadLetterTargetArn);
    const queue: Queue = { logicalId, messages: [], deadLetter: deadLetterId ? queueOf(deadLetterId) : undefined, maxReceiveCount: Number(redrive?.maxReceiveCount ?? Infinity), redeliveryMs: redeliveryDelayMs(props, options.timeScale) };
    queues.set(logicalId, queue);
    return queue;
  };

  // Rules of the bus → target queues.
  const rules = Object.entries(resources)
    // Event-pattern rules with queue targets (schedules and other targets are not part of the event flow).
    .filter(([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties['EventPattern'] !== undefined)
    .map(([id, r]) => ({ id, pattern: r.Properties['EventPattern'], targets: (r.Properties['Targets'] as { Arn: unknown }[]).map((t) => getAtt(t.Arn)).filter((t): t is string => !!t && resources[t]?.Type === 'AWS::SQS::Queue').map(queueOf) }));

  function deadLetters(): Map<string, string[]> {
    const deadLetterQueues = new Set([...queues.values()].flatMap((q) => (q.deadLetter ? [q.deadLetter] : [])));
    return new Map([...deadLetterQueues].map((q) => [q.logicalId, q.messages.map((m) => m.body)]));
  }

  const mappings = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping').map((r) => r.Properties);
  let stopped = false;
  const loops: Promise<void>[] = [];

  async function invoke(name: string, event: unknown): Promise<{ batchItemFailures?: { itemIdentifier: string }[] }> {
    const response = await fetch(`${options.lambdaEndpoint}/2015-03-31/functions/${encodeURIComponent(name)}/invocations`, { method: 'POST', body: JSON.stringify(event) });
    const text = await response.text();
    const payload = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (response.status >= 300 || response.headers.get('x-amz-function-error') || 'errorMessage' in payload) {
      throw new Error(`${name} failed: ${typeof payload['errorMessage'] === 'string' ? payload['errorMessage'] : `HTTP ${response.status}`}`);
    }
    return payload;
  }

  // SQS consumers.
  for (const mapping of mappings) {
    const queueId = getAtt(mapping['EventSourceArn']);
    if (!queueId || resources[queueId]?.Type !== 'AWS::SQS::Queue') continue;
    const queue = queueOf(queueId);
    const name = functionName(mapping['FunctionName']);
    const batchSize = Number(mapping['BatchSize'] ?? 10);
    // Lambda polls a queue with several batches in flight (five to start with, up to the mapping's
    // MaximumConcurrency): a backlog drains in parallel, as in AWS. Taking a batch is synchronous,
    // so two pollers never take the same message.
    const pollers = Number((mapping['ScalingConfig'] as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency ?? 5);
    for (let poller = 0; poller < pollers; poller++) {
      loops.push(
        (async () => {
          while (!stopped) {
            const now = Date.now();
            const batch = queue.messages.filter((m) => m.visibleAt <= now).slice(0, batchSize);
            if (batch.length === 0) {
              await sleep(50);
              continue;
            }
            for (const m of batch) {
              m.receiveCount += 1;
              m.visibleAt = Number.POSITIVE_INFINITY;
            }
            let failedIds: Set<string>;
            try {
              const result = await invoke(name, {
                Records: batch.map((m) => ({
                  messageId: m.messageId, receiptHandle: m.messageId, body: m.body, attributes: { ApproximateReceiveCount: String(m.receiveCount) },
                  messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: `arn:aws:sqs:local:000000000000:${queueId}`, awsRegion: 'local',
                })),
              });
              failedIds = new Set((result.batchItemFailures ?? []).map((f) => f.itemIdentifier));
            } catch (error) {
              log(`${name}: ${String(error)}`);
              failedIds = new Set(batch.map((m) => m.messageId));
            }
            for (const m of batch) {
              const index = queue.messages.indexOf(m);
              if (!failedIds.has(m.messageId)) {
                queue.messages.splice(index, 1);
              } else if (m.receiveCount >= queue.maxReceiveCount && queue.deadLetter) {
                queue.messages.splice(index, 1);
                queue.deadLetter.messages.push({ ...m, receiveCount: 0, visibleAt: Date.now() });
                log(`${queueId}: message ${m.messageId} moved to ${queue.deadLetter.logicalId} after ${m.receiveCount} receives`);
              } else {
                m.visibleAt = Date.now() + queue.redeliveryMs;
              }
            }
          }
        })(),
      );
    }
  }

  // EventBridge stand-in: PutEvents (AWS JSON 1.1) → matching rules → target queues.
  const server: Server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/dead-letters') {
      // Not an AWS API: lets a developer (and the tests) see what was dead-lettered.
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(Object.fromEntries(deadLetters())));
      return;
    }
    if (request.method === 'GET' && request.url === '/queues') {
      // Not an AWS API either: messages waiting or in flight per queue (a queue at 0 has handled everything sent to it).
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(Object.fromEntries([...queues.values()].map((q) => [q.logicalId, q.messages.length]))));
      return;
    }
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      try {
        answerPutEvents(body, response);
      } catch (error) {
        response.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ __type: 'ValidationException', message: String(error) }));
      }
    });
  });

  function answerPutEvents(body: string, response: ServerResponse): void {
      const { Entries = [] } = JSON.parse(body || '{}') as { Entries?: { Source: string; DetailType: string; Detail: string; Time?: number | string }[] };
      const results = Entries.map((entry) => {
        const id = randomUUID();
        const event = {
          version: '0', id, 'detail-type': entry.DetailType, source: entry.Source, account: '000000000000',
          time: new Date(typeof entry.Time === 'number' ? entry.Time * 1000 : (entry.Time ?? Date.now())).toISOString(), region: 'local', resources: [], detail: JSON.parse(entry.Detail) as unknown,
        };
        for (const rule of rules) {
          if (!matchesPattern(rule.pattern, event)) continue;
          for (const queue of rule.targets) queue.messages.push({ messageId: randomUUID(), body: JSON.stringify(event), receiveCount: 0, visibleAt: Date.now() });
        }
        return { EventId: id };
      });
      response.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ FailedEntryCount: 0, Entries: results }));
  }
  await new Promise<void>((done) => server.listen(options.busPort, '127.0.0.1', done));

  // The table's stream → the publisher.
  // The table is the platform stack's (its stream ARN an import): the mapping with a starting position is the stream's.
  const streamMapping = mappings.find((m) => m['StartingPosition'] !== undefined);
  if (streamMapping) loops.push(pollStream(streamMapping));

  async function pollStream(mapping: Properties): Promise<void> {
    const name = functionName(mapping['FunctionName']);
    const batchSize = Number(mapping['BatchSize'] ?? 100);
    const filters = ((mapping['FilterCriteria'] as { Filters?: { Pattern: string }[] } | undefined)?.Filters ?? []).map((f) => JSON.parse(f.Pattern) as unknown);
    const table = dynamoClient(options.dynamoEndpoint);
    const { Table } = await table.send(new DescribeTableCommand({ TableName: options.tableName }));
    table.destroy();
    const streamArn = Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`Table ${options.tableName} has no stream`);
    // Per shard: the current iterator, and the last sequence number read (to resume after a lost iterator).
    const shards = new Map<string, { iterator: string | undefined; after: string | undefined; closed: boolean }>();
    const acquire = async (shardId: string, after: string | undefined): Promise<string | undefined> => {
      const position = after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' };
      try {
        const { ShardIterator } = await streamsApi<{ ShardIterator?: string }>(options.dynamoEndpoint, 'GetShardIterator', { StreamArn: streamArn, ShardId: shardId, ...position });
        return ShardIterator;
      } catch (error) {
        // Our position was trimmed away: start from the oldest record still there (consumers are idempotent).
        if (after) return acquire(shardId, undefined);
        throw error;
      }
    };
    let lastDescribe = 0;
    while (!stopped) {
      let received = 0;
      try {
        if (Date.now() - lastDescribe > 2000) {
          lastDescribe = Date.now();
          const { StreamDescription } = await streamsApi<{ StreamDescription?: { Shards?: { ShardId?: string }[] } }>(options.dynamoEndpoint, 'DescribeStream', { StreamArn: streamArn });
          for (const shard of StreamDescription?.Shards ?? []) {
            if (shard.ShardId && !shards.has(shard.ShardId)) shards.set(shard.ShardId, { iterator: await acquire(shard.ShardId, undefined), after: undefined, closed: false });
          }
        }
        for (const [shardId, state] of shards) {
          if (state.closed) continue;
          // A lost or trimmed iterator is re-acquired after the last record read.
          state.iterator ??= await acquire(shardId, state.after);
          const page = await streamsApi<{ Records?: StreamRecordJson[]; NextShardIterator?: string }>(options.dynamoEndpoint, 'GetRecords', { ShardIterator: state.iterator, Limit: 1000 }).catch((error: unknown) => {
            state.iterator = undefined;
            throw error;
          });
          state.iterator = page.NextShardIterator;
          state.closed = page.NextShardIterator === undefined;
          const all = page.Records ?? [];
          state.after = all.at(-1)?.dynamodb?.SequenceNumber ?? state.after;
          const records = all.map((r) => ({ ...r, dynamodb: repairEmptyMaps(r['dynamodb']), eventSourceARN: streamArn })).filter((r) => filters.length === 0 || filters.some((f) => matchesPattern(f, r)));
          received += records.length;
          for (let start = 0; start < records.length; start += batchSize) await deliverStreamBatch(name, records.slice(start, start + batchSize), mapping);
        }
      } catch (error) {
        log(`stream: ${String(error)}; retrying`);
        await sleep(250);
      }
      if (received === 0) await sleep(100);
    }
  }

  /**
   * Lambda's stream semantics, as the mapping declares them: on a partial failure, retry from the
   * first failed record; past `MaximumRetryAttempts`, split the batch in two and retry each half
   * (`BisectBatchOnFunctionError`), and what still fails goes to the `OnFailure` destination as
   * Lambda's invocation record (which records, not the records themselves), so one poison record
   * holds the shard only as long as it would in AWS.
   */
  async function deliverStreamBatch(name: string, records: StreamRecordJson[], mapping: Properties): Promise<void> {
    const maxRetries = Number(mapping['MaximumRetryAttempts'] ?? -1);
    let pending = records;
    for (let attempt = 1; pending.length > 0 && !stopped; attempt++) {
      try {
        const result = await invoke(name, { Records: pending });
        const failed = new Set((result.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        const first = pending.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
        pending = first === -1 ? [] : pending.slice(first);
      } catch (error) {
        log(`${name}: ${String(error)}`);
      }
      if (pending.length === 0) return;
      if (maxRetries >= 0 && attempt > maxRetries) {
        if (mapping['BisectBatchOnFunctionError'] === true && pending.length > 1) {
          const half = Math.ceil(pending.length / 2);
          await deliverStreamBatch(name, pending.slice(0, half), mapping);
          await deliverStreamBatch(name, pending.slice(half), mapping);
        } else {
          sendToFailureDestination(name, pending, mapping, attempt);
        }
        return;
      }
      await sleep(Math.min(5000, 100 * 2 ** attempt));
    }
  }

  function sendToFailureDestination(name: string, records: StreamRecordJson[], mapping: Properties, attempts: number): void {
    const destination = getAtt((mapping['DestinationConfig'] as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination);
    const info = { shardId: 'local', startSequenceNumber: records[0]?.dynamodb?.SequenceNumber, endSequenceNumber: records.at(-1)?.dynamodb?.SequenceNumber, batchSize: records.length };
    log(`${name}: ${records.length} stream record(s) failed ${attempts} times; ${destination ? `sent to ${destination}` : 'dropped (no OnFailure destination)'}: ${JSON.stringify(info)}`);
    if (!destination || resources[destination]?.Type !== 'AWS::SQS::Queue') return;
    const body = JSON.stringify({ requestContext: { condition: 'RetryAttemptsExhausted', functionArn: name, approximateInvokeCount: attempts }, timestamp: new Date().toISOString(), DDBStreamBatchInfo: info });
    queueOf(destination).messages.push({ messageId: randomUUID(), body, receiveCount: 0, visibleAt: Date.now() });
  }

  return {
    busEndpoint: `http://127.0.0.1:${options.busPort}`,
    get deadLetters() {
      return deadLetters();
    },
    async stop() {
      stopped = true;
      server.close();
      await Promise.allSettled(loops);
    },
  };
}

/**
 * The DynamoDB Streams API of DynamoDB Local, spoken directly: its JSON records already have the
 * shape Lambda hands to a stream-triggered function (the SDK's client would re-type them, and
 * drops empty maps on the way).
 */
async function streamsApi<T>(endpoint: string, action: string, body: unknown): Promise<T> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': `DynamoDBStreams_20120810.${action}`,
      // DynamoDB Local does not check signatures, only that a credential scope is present.
      Authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=local',
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`DynamoDB Streams ${action} failed (${response.status}): ${text}`);
  return JSON.parse(text) as T;
}

/**
 * DynamoDB Local writes an empty map attribute into stream images as `{}` instead of `{"M":{}}`
 * (empty lists and everything else come through intact); DynamoDB itself does not. Restore the
 * type so the publisher sees what Lambda would hand it.
 */
function repairEmptyMaps(dynamodb: StreamRecordJson['dynamodb']): StreamRecordJson['dynamodb'] {
  if (!dynamodb) return dynamodb;
  const attribute = (value: AttributeValueJson): AttributeValueJson => {
    if (Object.keys(value).length === 0) return { M: {} };
    if (value['M']) return { M: image(value['M'] as ImageJson) };
    if (value['L']) return { L: (value['L'] as AttributeValueJson[]).map(attribute) };
    return value;
  };
  const image = (item: ImageJson): ImageJson => Object.fromEntries(Object.entries(item).map(([k, v]) => [k, attribute(v)]));
  return {
    ...dynamodb,
    ...(dynamodb.Keys && { Keys: image(dynamodb.Keys) }),
    ...(dynamodb.NewImage && { NewImage: image(dynamodb.NewImage) }),
    ...(dynamodb.OldImage && { OldImage: image(dynamodb.OldImage) }),
  };
}
