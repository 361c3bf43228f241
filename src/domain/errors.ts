/**
 * Errors a caller can cause. Each maps to one HTTP status and one problem type in src/http;
 * the domain only states what went wrong and what to fix.
 */
export interface FieldIssue {
  /** JSON Pointer-like path to the offending field, e.g. `/attributes/colour`. */
  readonly path: string;
  readonly message: string;
}

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
}

export type DomainErrorKind =
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'precondition-failed'
  | 'unprocessable';

export class ValidationError extends DomainError {
  readonly kind = 'validation';
  readonly issues: readonly FieldIssue[];
  constructor(message: string, issues: readonly FieldIssue[] = []) {
    super(message);
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

export class UnauthenticatedError extends DomainError {
  readonly kind = 'unauthenticated';
  /** `missing`: no credentials were sent at all; `invalid`: a token was sent and refused. */
  readonly reason: 'missing' | 'invalid';
  /** Without a message: no credentials were sent. With one: the message says what was wrong with them. */
  constructor(message?: string) {
    super(message ?? 'A valid access token is required: send Authorization: Bearer <access token>.');
    this.name = 'UnauthenticatedError';
    this.reason = message === undefined ? 'missing' : 'invalid';
  }
}

export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden';
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends DomainError {
  readonly kind = 'not-found';
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends DomainError {
  readonly kind = 'conflict';
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** Another entity of the tenant already has this name (compared case-insensitively, trimmed). */
export class NameTakenError extends ConflictError {
  readonly conflictingEntityId: string;
  constructor(name: string, conflictingEntityId: string) {
    super(`The name "${name}" is already used by entity ${conflictingEntityId} in your tenant; choose another name or change that entity.`);
    this.name = 'NameTakenError';
    this.conflictingEntityId = conflictingEntityId;
  }
}

export class PreconditionFailedError extends DomainError {
  readonly kind = 'precondition-failed';
  readonly currentVersion: number | undefined;
  constructor(message: string, currentVersion?: number) {
    super(message);
    this.name = 'PreconditionFailedError';
    this.currentVersion = currentVersion;
  }
}

export class UnprocessableError extends DomainError {
  readonly kind = 'unprocessable';
  constructor(message: string) {
    super(message);
    this.name = 'UnprocessableError';
  }
}
