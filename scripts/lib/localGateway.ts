import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Stoppable } from './localStack.ts';

/**
 * API Gateway's own answers, locally. serverless-offline answers what the deployed gateway would
 * answer itself (a rejected token, an unknown route) with its own `application/json` error; the
 * deployed stage answers those with the problem+json gateway responses of resources/api-gateway.yml.
 * This proxy in front of serverless-offline passes every answer of a handler through untouched
 * (handlers always send `x-correlation-id`), and renders serverless-offline's own error answers with
 * the packaged template's GatewayResponse resources, as the deployed gateway does.
 */

interface GatewayResponse {
  readonly type: string;
  readonly status: number | undefined;
  readonly headers: Record<string, string>;
  readonly template: string;
}

export interface GatewayTemplate {
  readonly Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

/** The GatewayResponse resources of a template, by ResponseType. */
export function gatewayResponsesOf(template: GatewayTemplate): Map<string, GatewayResponse> {
  const responses = new Map<string, GatewayResponse>();
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::ApiGateway::GatewayResponse') continue;
    const p = resource.Properties;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries((p['ResponseParameters'] ?? {}) as Record<string, string>)) {
      const header = /^gatewayresponse\.header\.(.+)$/.exec(name)?.[1];
      if (header && /^'.*'$/s.test(value)) headers[header] = value.slice(1, -1);
    }
    responses.set(p['ResponseType'] as string, { type: p['ResponseType'] as string, status: p['StatusCode'] === undefined ? undefined : Number(p['StatusCode']), headers, template: (p['ResponseTemplates'] as Record<string, string>)['application/json'] ?? '' });
  }
  return responses;
}

/** The response type API Gateway would use for a status it answers itself. */
function responseTypeOf(status: number): string {
  switch (status) {
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'ACCESS_DENIED';
    case 404:
      return 'MISSING_AUTHENTICATION_TOKEN';
    case 413:
      return 'REQUEST_TOO_LARGE';
    case 429:
      return 'THROTTLED';
    default:
      return status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX';
  }
}

/** Renders a gateway response template with the request's context (the variables resources/api-gateway.yml uses). */
export function renderGatewayResponse(response: GatewayResponse, context: { path: string; httpMethod: string; requestId: string; message: string }): string {
  return response.template
    .replaceAll('$context.path', context.path.replace(/["\\]/g, (c) => `\\${c}`))
    .replaceAll('$context.httpMethod', context.httpMethod)
    .replaceAll('$context.requestId', context.requestId)
    .replaceAll('$context.error.messageString', JSON.stringify(context.message))
    .replaceAll('$context.error.validationErrorString', JSON.stringify(context.message));
}

export async function startGatewayResponses(options: { upstream: string; port: number; template: GatewayTemplate }): Promise<Stoppable & { url: string }> {
  const responses = gatewayResponsesOf(options.template);
  const upstream = new URL(options.upstream);
  const server = createServer((req, res) => {
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const own = (answer.statusCode ?? 500) >= 400 && answer.headers['x-correlation-id'] === undefined && responses.size > 0;
      if (!own) {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders as unknown as IncomingHttpHeaders);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const status = answer.statusCode ?? 500;
        const gateway = responses.get(responseTypeOf(status)) ?? responses.get(status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX');
        if (!gateway) {
          res.writeHead(status, answer.rawHeaders as unknown as IncomingHttpHeaders);
          res.end(Buffer.concat(chunks));
          return;
        }
        let message = 'Error';
        try {
          const given = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { message?: unknown }).message;
          if (typeof given === 'string') message = given;
        } catch {
          // not JSON: the generic message
        }
        const path = new URL(req.url ?? '/', 'http://local').pathname;
        const body = renderGatewayResponse(gateway, { path, httpMethod: req.method ?? 'GET', requestId: randomUUID(), message });
        res.writeHead(gateway.status ?? status, { ...gateway.headers, 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'urn:entity-platform:problem:internal', title: 'Bad gateway', status: 502, detail: 'serverless-offline did not answer.' }));
    });
    req.pipe(forward);
  });
  // A request Node cannot read (headers over its limit, bad framing) never reaches a handler: answered as the gateway's catch-all problem.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const body = JSON.stringify({ type: 'urn:entity-platform:problem:bad-request', title: 'Bad request', detail: status === 431 ? 'The request headers are too large.' : 'The request could not be read.', instance: '/' });
    if (socket.writable) socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
