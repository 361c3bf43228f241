import { inject } from 'vitest';
import { mintLocalAccessToken, type MintOptions } from '../../src/local/localIssuer.ts';
import { contractViolations } from './contract.ts';

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body (undefined when empty). */
  readonly body: any;
}

export interface RequestOptions {
  readonly token?: string;
  readonly body?: unknown;
  /** A raw body, sent as is (for malformed JSON and the like). */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
}

/** Fails the calling test when a response departs from the OpenAPI document (tests/support/contract.ts). */
function expectContract(method: string, path: string, status: number, headers: Headers, text: string): void {
  const violations = contractViolations({ method, path, status, headers, text });
  if (violations.length > 0) throw new Error(`The response breaks the API contract (docs/openapi.json):\n${violations.join('\n')}`);
}

/**
 * `fetch` for the typed client (src/client): the same call, with the response checked against
 * the document like every `api()` response.
 */
export async function contractFetch(request: Request): Promise<Response> {
  const response = await fetch(request);
  const url = new URL(request.url);
  expectContract(request.method, `${url.pathname}${url.search}`, response.status, response.headers, await response.clone().text());
  return response;
}

/**
 * One HTTP call to the local stack (serverless-offline) that the global setup started. Every
 * response is checked against the OpenAPI document before the test sees it.
 */
export async function api(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['Authorization'] = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const response = await fetch(`${inject('apiUrl')}${path}`, { method, headers, ...(body !== undefined && { body }) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  expectContract(method, path, response.status, response.headers, text);
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** A really signed access token from the stack's local issuer. */
export function token(options: MintOptions): Promise<string> {
  return mintLocalAccessToken(inject('issuerDir'), options);
}

export const READ_WRITE = ['entities/read', 'entities/write'];

let counter = 0;
/** A tenant id no other test uses, so tests can run in parallel against one table. */
export function uniqueTenant(label = 't'): string {
  counter += 1;
  return `${label}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}
