import * as z from 'zod/mini';
import { ValidationError, type FieldIssue } from './errors.ts';
import './zodLocale.ts';

/**
 * Request parsing shared by every route, apart from the entity schemas (./entitySchemas.ts), so a
 * handler that parses other input (jobs) does not bundle them.
 */

/** Fields the service sets; a request that sends one is told so. */
export const SERVER_OWNED_FIELDS = ['id', 'tenantId', 'version', 'createdAt', 'updatedAt'] as const;

/** Parses `value` with `schema`, or throws a ValidationError listing every field to fix. */
export function parseInput<S extends z.core.$ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'path'): z.output<S> {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  const issues: FieldIssue[] = result.error.issues.flatMap((issue) => describeIssue(issue, where));
  const summary = where === 'body' ? 'The request body is invalid.' : where === 'query' ? 'The query string is invalid.' : 'The request path is invalid.';
  throw new ValidationError(summary, issues);
}

function describeIssue(issue: z.core.$ZodIssue, where: string): FieldIssue[] {
  const base = '/' + issue.path.map(String).join('/');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: `${base === '/' ? '' : base}/${key}`,
      message: (SERVER_OWNED_FIELDS as readonly string[]).includes(key)
        ? `${key} is set by the service and cannot be provided; remove it`
        : `unknown ${where === 'query' ? 'parameter' : 'field'} "${key}"; remove it`,
    }));
  }
  if (issue.code === 'invalid_type' && issue.path.length === 0 && where === 'body') {
    return [{ path: '/', message: 'the body must be a JSON object' }];
  }
  return [{ path: base, message: issue.message }];
}
