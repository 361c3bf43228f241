import type { APIGatewayProxyResult } from 'aws-lambda';
import { ForbiddenError, NameTakenError, UnauthenticatedError, type DomainError, type DomainErrorKind, type FieldIssue } from '../domain/errors.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 problem types. `type` is a stable identifier clients can switch on. */
export const PROBLEMS = {
  'validation': { status: 400, title: 'Your request is not valid' },
  'malformed-json': { status: 400, title: 'The body is not valid JSON' },
  'unauthenticated': { status: 401, title: 'Authentication required' },
  'forbidden': { status: 403, title: 'Not allowed' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'conflict': { status: 409, title: 'Conflict' },
  'precondition-failed': { status: 412, title: 'Precondition failed' },
  'payload-too-large': { status: 413, title: 'Request body too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'unprocessable': { status: 422, title: 'Request cannot be processed' },
  'internal': { status: 500, title: 'Internal server error' },
} as const;

export type ProblemType = keyof typeof PROBLEMS;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: readonly FieldIssue[];
  correlationId?: string;
  /** RFC 9457 extension members, e.g. `conflictingEntityId`. */
  [extension: string]: unknown;
}

export const problemTypeUri = (type: ProblemType): string => `urn:entity-platform:problem:${type}`;

/** An error the HTTP layer raises itself (content type, size, method); the domain's own errors map by kind. */
export class HttpProblem extends Error {
  readonly type: ProblemType;
  readonly headers: Record<string, string>;
  readonly issues: readonly FieldIssue[] | undefined;
  readonly extensions: Record<string, unknown>;
  constructor(
    type: ProblemType,
    detail: string,
    options: { headers?: Record<string, string>; issues?: readonly FieldIssue[]; extensions?: Record<string, unknown> } = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
    this.type = type;
    this.headers = options.headers ?? {};
    this.issues = options.issues;
    this.extensions = options.extensions ?? {};
  }
}

const KIND_TO_TYPE: Record<DomainErrorKind, ProblemType> = {
  'validation': 'validation',
  'unauthenticated': 'unauthenticated',
  'forbidden': 'forbidden',
  'not-found': 'not-found',
  'conflict': 'conflict',
  'precondition-failed': 'precondition-failed',
  'unprocessable': 'unprocessable',
};

export function problemForDomainError(error: DomainError): HttpProblem {
  const type = KIND_TO_TYPE[error.kind];
  const issues = 'issues' in error ? (error.issues as readonly FieldIssue[]) : undefined;
  const extensions = error instanceof NameTakenError ? { conflictingEntityId: error.conflictingEntityId } : {};
  return new HttpProblem(type, error.message, { headers: challenge(error), extensions, ...(issues && { issues }) });
}

/** RFC 6750 challenges: no error code when no token was sent, `invalid_token` or `insufficient_scope` otherwise. */
function challenge(error: DomainError): Record<string, string> {
  const realm = 'Bearer realm="entity-platform"';
  const describe = (code: string) => `${realm}, error="${code}", error_description="${error.message.replaceAll('"', "'")}"`;
  if (error instanceof UnauthenticatedError) return { 'WWW-Authenticate': error.reason === 'missing' ? realm : describe('invalid_token') };
  if (error instanceof ForbiddenError) return { 'WWW-Authenticate': describe('insufficient_scope') };
  return {};
}

export function problemResponse(problem: HttpProblem, context: { instance?: string; correlationId?: string }): APIGatewayProxyResult {
  const { status, title } = PROBLEMS[problem.type];
  const body: ProblemBody = {
    ...problem.extensions,
    type: problemTypeUri(problem.type),
    title,
    status,
    detail: problem.message,
    ...(context.instance && { instance: context.instance }),
    ...(problem.issues && problem.issues.length > 0 && { errors: problem.issues }),
    ...(context.correlationId && { correlationId: context.correlationId }),
  };
  return { statusCode: status, headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, 'Cache-Control': 'no-store', ...problem.headers }, body: JSON.stringify(body) };
}
