import { expect } from 'vitest';
import type { ApiResponse } from './api.ts';

/** Asserts an RFC 9457 problem response with the given status, and returns its body. */
export function expectProblem(response: ApiResponse, status: number): { type: string; title: string; detail: string; errors?: { path: string; message: string }[] } {
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status, type: expect.stringMatching(/^urn:entity-platform:problem:/), title: expect.any(String), detail: expect.any(String) });
  expect(response.text).not.toMatch(/at .*\.(ts|js|cjs):\d+/); // never a stack trace
  return response.body as never;
}
