import { describe, expect, it } from 'vitest';
import { ForbiddenError, UnauthenticatedError } from '../../../src/domain/errors.ts';
import { ADMIN_GROUP, canSee, isAdmin, readScopeFor, requireScope, SCOPES, TENANT_ID_PATTERN, type Principal, type ReadScope } from '../../../src/domain/principal.ts';

const principal = (scopes: string[], groups: string[] = [], tenantId = 'acme'): Principal => ({
  subject: 'user-1',
  tenantId,
  scopes: new Set(scopes),
  groups: new Set(groups),
});
const reader = principal([SCOPES.read]);
const admin = principal([SCOPES.read, SCOPES.write], [ADMIN_GROUP]);

describe('requireScope', () => {
  it('returns the principal that has the scope', () => {
    expect(requireScope(reader, SCOPES.read)).toBe(reader);
  });

  it('throws UnauthenticatedError when there is no principal', () => {
    expect(() => requireScope(undefined, SCOPES.read)).toThrow(UnauthenticatedError);
  });

  it('throws ForbiddenError naming the missing scope', () => {
    expect(() => requireScope(reader, SCOPES.write)).toThrow(ForbiddenError);
    expect(() => requireScope(reader, SCOPES.write)).toThrow(/"entities\/write"/);
  });

  it('does not let the admin group stand in for a scope', () => {
    expect(() => requireScope(principal([], [ADMIN_GROUP]), SCOPES.read)).toThrow(ForbiddenError);
  });
});

describe('readScopeFor', () => {
  it('secure channel: the caller tenant only', () => {
    expect(readScopeFor(reader, 'secure')).toEqual({ kind: 'tenant', tenantId: 'acme' });
  });

  it('secure channel: no principal is unauthenticated, no read scope is forbidden', () => {
    expect(() => readScopeFor(undefined, 'secure')).toThrow(UnauthenticatedError);
    expect(() => readScopeFor(principal([SCOPES.write]), 'secure')).toThrow(/"entities\/read"/);
  });

  it('data channel: anonymous callers see public entities', () => {
    expect(readScopeFor(undefined, 'data')).toEqual({ kind: 'public' });
  });

  it('data channel: authenticated callers see public entities and their tenant', () => {
    expect(readScopeFor(reader, 'data')).toEqual({ kind: 'public-and-tenant', tenantId: 'acme' });
  });

  it('data channel: a token without the read scope is forbidden, not downgraded to anonymous', () => {
    expect(() => readScopeFor(principal([SCOPES.write]), 'data')).toThrow(ForbiddenError);
  });

  it('the admin group never widens the scope beyond its tenant', () => {
    expect(isAdmin(admin)).toBe(true);
    expect(readScopeFor(admin, 'secure')).toEqual({ kind: 'tenant', tenantId: 'acme' });
    expect(readScopeFor(admin, 'data')).toEqual({ kind: 'public-and-tenant', tenantId: 'acme' });
    expect(canSee(readScopeFor(admin, 'secure'), { tenantId: 'globex', visibility: 'private' })).toBe(false);
    expect(canSee(readScopeFor(admin, 'data'), { tenantId: 'globex', visibility: 'private' })).toBe(false);
  });
});

describe('canSee', () => {
  const own = (visibility: string) => ({ tenantId: 'acme', visibility });
  const other = (visibility: string) => ({ tenantId: 'globex', visibility });
  const cases: Array<[ReadScope, boolean[]]> = [
    // [own private, own public, other private, other public]
    [{ kind: 'tenant', tenantId: 'acme' }, [true, true, false, false]],
    [{ kind: 'public' }, [false, true, false, true]],
    [{ kind: 'public-and-tenant', tenantId: 'acme' }, [true, true, false, true]],
  ];
  it.each(cases)('%j', (scope, expected) => {
    expect([own('private'), own('public'), other('private'), other('public')].map((e) => canSee(scope, e))).toEqual(expected);
  });
});

describe('isAdmin and TENANT_ID_PATTERN', () => {
  it('isAdmin needs the admin group', () => {
    expect(isAdmin(reader)).toBe(false);
    expect(isAdmin(principal([], ['Admin']))).toBe(false);
  });

  it.each([['acme', true], ['a_b-9', true], ['x'.repeat(64), true], ['x'.repeat(65), false], ['', false], ['a#b', false], ['a b', false], ['TENANT#x', false]])(
    'tenant id %j valid: %s',
    (id, ok) => {
      expect(TENANT_ID_PATTERN.test(id)).toBe(ok);
    },
  );
});
