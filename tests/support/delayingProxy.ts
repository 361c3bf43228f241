import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request to DynamoDB as the proxy saw it: the operation, the JSON input, whether its answer was held back. */
export interface ProxiedCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
  readonly delayed: boolean;
  /** Answered by the proxy with an error (`refuseNext`), never passed on. */
  readonly refused?: boolean;
}

/** An error answer as DynamoDB sends it (JSON 1.0: status 400, `__type` names the exception). */
export interface ErrorAnswer {
  readonly type: string;
  readonly body: Record<string, unknown>;
}

export interface DelayingProxy {
  readonly endpoint: string;
  readonly calls: ProxiedCall[];
  /** The next request for `operation` is passed on at once, but its answer is held back `ms` (the write happens, the caller hears late). */
  delayNext(operation: string, ms: number): void;
  /** The next request for `operation` that `when` picks (default: the next one) is answered with `answer` and not passed on. */
  refuseNext(operation: string, answer: ErrorAnswer, when?: (input: Record<string, unknown>) => boolean): void;
  stop(): Promise<void>;
}

/**
 * An HTTP proxy in front of DynamoDB Local that can hold an answer back: what a slow network or
 * an overloaded service looks like to the SDK, which times the attempt out and sends it again.
 * It can also answer a request with an error DynamoDB Local does not produce on demand (a
 * transaction cancelled for contention or throttling), in DynamoDB's own wire format.
 */
export async function startDelayingProxy(upstreamEndpoint: string): Promise<DelayingProxy> {
  const upstream = new URL(upstreamEndpoint);
  const calls: ProxiedCall[] = [];
  const pending = new Map<string, number>();
  const refusals: { operation: string; answer: ErrorAnswer; when: (input: Record<string, unknown>) => boolean }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.slice(target.indexOf('.') + 1);
      const input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      const refusal = refusals.findIndex((r) => r.operation === operation && r.when(input));
      if (refusal !== -1) {
        const { answer } = refusals.splice(refusal, 1)[0]!;
        calls.push({ operation, input, delayed: false, refused: true });
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${answer.type}`, ...answer.body }));
        return;
      }
      const delayMs = pending.get(operation);
      if (delayMs !== undefined) pending.delete(operation);
      calls.push({ operation, input, delayed: delayMs !== undefined });
      const forwarded = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        const answerChunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => answerChunks.push(chunk));
        answer.on('end', () => {
          const reply = () => {
            if (!res.destroyed) res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(answerChunks));
          };
          if (delayMs === undefined) reply();
          else setTimeout(reply, delayMs).unref();
        });
      });
      forwarded.on('error', () => res.destroy());
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    delayNext: (operation, ms) => pending.set(operation, ms),
    refuseNext: (operation, answer, when = () => true) => void refusals.push({ operation, answer, when }),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
