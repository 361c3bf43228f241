import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the stand-in received it: the operation (from `X-Amz-Target`), the JSON input, the headers. */
export interface ReceivedCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
  readonly headers: IncomingHttpHeaders;
  /** The request body's size in bytes, as sent. */
  readonly bytes: number;
}

/** How the stand-in answers a call: a status and a JSON document (an AWS error is `{ __type, message }` with a 4xx/5xx). */
export type Answer = { readonly status: number; readonly body: unknown } | { readonly drop: true };

export interface AwsStandIn {
  readonly endpoint: string;
  readonly calls: ReceivedCall[];
  stop(): Promise<void>;
}

/**
 * An AWS JSON-protocol service (SSM, Secrets Manager, EventBridge) for tests of a service without
 * a local peer: a local HTTP server that records every request the SDK client sends and answers
 * each with `answer(call)`; `{ drop: true }` closes the connection without an answer.
 */
export async function startAwsStandIn(answer: (call: ReceivedCall) => Answer): Promise<AwsStandIn> {
  const calls: ReceivedCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '');
      const call = { operation: target.slice(target.lastIndexOf('.') + 1), input: JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>, headers: req.headers, bytes: body.length };
      calls.push(call);
      const reply = answer(call);
      if ('drop' in reply) {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `req-${calls.length}` }).end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
