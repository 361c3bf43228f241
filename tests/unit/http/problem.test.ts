import { describe, expect, it } from 'vitest';
import { ConflictError, type DomainError, ForbiddenError, NotFoundError, PreconditionFailedError, UnauthenticatedError, UnprocessableError, ValidationError, NameTakenError } from '../../../src/domain/errors.ts';
import { HttpProblem, PROBLEM_CONTENT_TYPE, problemForDomainError, problemResponse, problemTypeUri, type ProblemBody } from '../../../src/http/problem.ts';

const bodyOf = (result: { body: string }): ProblemBody => JSON.parse(result.body) as ProblemBody;

describe('problemResponse', () => {
  it('answers application/problem+json with type, title, status and detail', () => {
    const result = problemResponse(new HttpProblem('payload-too-large', 'The body exceeds 256 KiB.'), {});
    expect(result.statusCode).toBe(413);
    expect(result.headers).toMatchObject({ 'Content-Type': PROBLEM_CONTENT_TYPE, 'Cache-Control': 'no-store' });
    expect(PROBLEM_CONTENT_TYPE).toBe('application/problem+json');
    expect(bodyOf(result)).toEqual({ type: 'urn:entity-platform:problem:payload-too-large', title: 'Request body too large', status: 413, detail: 'The body exceeds 256 KiB.' });
  });

  it('includes errors only when there are some, plus instance and correlation id when given', () => {
    const issues = [{ path: '/name', message: 'name must not be empty or only whitespace' }];
    const withIssues = bodyOf(problemResponse(problemForDomainError(new ValidationError('The request body is invalid.', issues)), { instance: '/api/v1/secure/entities', correlationId: 'c-1' }));
    expect(withIssues).toEqual({
      type: problemTypeUri('validation'),
      title: 'Your request is not valid',
      status: 400,
      detail: 'The request body is invalid.',
      instance: '/api/v1/secure/entities',
      errors: issues,
      correlationId: 'c-1',
    });
    expect(bodyOf(problemResponse(problemForDomainError(new ValidationError('bad', [])), {}))).not.toHaveProperty('errors');
    expect(bodyOf(problemResponse(problemForDomainError(new NotFoundError('gone')), {}))).not.toHaveProperty('errors');
  });

  it('merges the problem headers', () => {
    const result = problemResponse(new HttpProblem('method-not-allowed', 'Use GET.', { headers: { Allow: 'GET' } }), {});
    expect(result.statusCode).toBe(405);
    expect(result.headers).toMatchObject({ Allow: 'GET', 'Content-Type': PROBLEM_CONTENT_TYPE });
  });
});

describe('problemForDomainError', () => {
  it.each([
    [new ValidationError('v'), 400],
    [new UnauthenticatedError(), 401],
    [new ForbiddenError('f'), 403],
    [new NotFoundError('n'), 404],
    [new ConflictError('c'), 409],
    [new PreconditionFailedError('p', 2), 412],
    [new UnprocessableError('u'), 422],
  ].map(([error, status]) => [(error as DomainError).name, error as DomainError, status as number] as const))('maps %s to status %d with its message as detail', (_name, error, status) => {
    const result = problemResponse(problemForDomainError(error), {});
    expect(result.statusCode).toBe(status);
    expect(bodyOf(result)).toMatchObject({ status, detail: error.message, type: problemTypeUri(error.kind) });
  });

  it('adds a Bearer challenge with invalid_token when unauthenticated', () => {
    const result = problemResponse(problemForDomainError(new UnauthenticatedError('Send the access token as "Authorization: Bearer <token>".')), {});
    const challenge = result.headers?.['WWW-Authenticate'];
    expect(challenge).toMatch(/^Bearer realm="entity-platform", error="invalid_token", error_description="[^"]*"$/);
    expect(challenge).toContain("'Authorization: Bearer <token>'");
  });

  it('adds a bare Bearer challenge, without an error code, when no token was sent (RFC 6750 §3.1)', () => {
    const result = problemResponse(problemForDomainError(new UnauthenticatedError()), {});
    expect(result.headers?.['WWW-Authenticate']).toBe('Bearer realm="entity-platform"');
  });

  it('adds a Bearer challenge with insufficient_scope when forbidden', () => {
    const result = problemResponse(problemForDomainError(new ForbiddenError('The access token lacks the "entities/write" scope.')), {});
    expect(result.headers?.['WWW-Authenticate']).toBe(
      `Bearer realm="entity-platform", error="insufficient_scope", error_description="The access token lacks the 'entities/write' scope."`,
    );
  });

  it('adds no challenge for other errors', () => {
    expect(problemResponse(problemForDomainError(new NotFoundError('n')), {}).headers).not.toHaveProperty('WWW-Authenticate');
  });
});

describe('name conflicts', () => {
  it('carry the conflicting entity id as an RFC 9457 extension member', () => {
    const result = problemResponse(problemForDomainError(new NameTakenError('Widget', 'e-42')), {});
    expect(result.statusCode).toBe(409);
    expect(JSON.parse(result.body)).toMatchObject({ status: 409, conflictingEntityId: 'e-42', detail: expect.stringContaining('e-42') });
  });
});
