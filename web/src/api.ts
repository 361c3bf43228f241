import { createEntityPlatformClient, type EntityPlatformClient, type Problem } from 'entity-platform/client';
import { accessToken } from './auth.ts';
import type { ConsoleConfig } from './config.ts';

/** The typed client (entity-platform/client) with the signed-in user's access token on every request. */
export function createApi(config: ConsoleConfig): EntityPlatformClient {
  return createEntityPlatformClient({ baseUrl: config.apiUrl, token: accessToken });
}

/** What the console shows for a failed call: the API's problem+json, or one made up for a failure that has none. */
export interface ShownProblem {
  readonly title: string;
  readonly status?: number | undefined;
  readonly detail?: string | undefined;
  readonly errors?: readonly { readonly path: string; readonly message: string }[] | undefined;
  readonly correlationId?: string | undefined;
}

/** A failed call: `problem` is what the API answered (or the closest thing to it). */
export class ApiError extends Error {
  readonly problem: ShownProblem;
  readonly status: number | undefined;
  readonly body: unknown;

  constructor(problem: ShownProblem, body?: unknown) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiError';
    this.problem = problem;
    this.status = problem.status;
    this.body = body;
  }
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && typeof (value as { title?: unknown }).title === 'string';
}

/** The shown problem for any error: an ApiError's, the API's problem body, or a network failure's. */
export function problemOf(error: unknown): ShownProblem {
  if (error instanceof ApiError) return error.problem;
  if (error instanceof TypeError) return { title: 'The request did not reach the service', detail: `${error.message}. Check your connection and that the API allows this console's origin (CORS).` };
  return { title: 'Something went wrong', detail: error instanceof Error ? error.message : String(error) };
}

/**
 * Awaits an openapi-fetch call: its data and response when it succeeded, else an ApiError with the
 * problem+json the API answered (`detail`, `errors`, `correlationId`), never a blank failure.
 */
export async function call<T>(pending: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<{ data: T; response: Response }> {
  const { data, error, response } = await pending;
  if (response.ok) return { data: data as T, response };
  if (isProblem(error)) {
    const p = error as Problem & { errors?: { path: string; message: string }[] };
    throw new ApiError({ title: p.title, status: response.status, detail: p.detail, errors: p.errors, correlationId: p.correlationId ?? response.headers.get('x-correlation-id') ?? undefined }, error);
  }
  throw new ApiError({ title: `The API answered ${response.status} ${response.statusText}`.trim(), status: response.status, detail: typeof error === 'string' && error ? error : undefined, correlationId: response.headers.get('x-correlation-id') ?? undefined }, error);
}
