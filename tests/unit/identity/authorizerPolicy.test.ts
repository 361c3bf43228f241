import { describe, expect, it } from 'vitest';
import { allowPolicy, wholeApiArn } from '../../../src/identity/authorizerPolicy.ts';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { UnauthenticatedError } from '../../../src/domain/errors.ts';
import { authorizerPrincipal } from '../../../src/identity/requestPrincipal.ts';
import { isAdmin, type Principal } from '../../../src/domain/principal.ts';

const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/GET/api/v1/secure/entities/x';
const WHOLE_API = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/*/*';

describe('wholeApiArn', () => {
  // Regression: the API id ends the colon-separated part of the ARN; a policy for `…/dev/GET/*/*`
  // would be cached by API Gateway and wrongly deny every other method for the same token.
  it('widens a method ARN to every method and path of the same API and stage', () => {
    expect(wholeApiArn(METHOD_ARN)).toBe(WHOLE_API);
    expect(wholeApiArn('arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/DELETE/api/v1/secure/entities/y')).toBe(WHOLE_API);
  });

  it('keeps the region, account and API id', () => {
    expect(wholeApiArn(METHOD_ARN)).toMatch(/^arn:aws:execute-api:eu-west-1:123456789012:abc123\/dev\//);
  });

  it.each(['', 'not-an-arn', 'abc123/dev/GET/x', 'arn:aws:execute-api:eu-west-1:123456789012:abc123'])('throws on the malformed ARN %j', (arn) => {
    expect(() => wholeApiArn(arn)).toThrow(/Unexpected methodArn/);
  });
});

describe('allowPolicy', () => {
  const principal: Principal = {
    subject: 'user-1',
    tenantId: 'acme',
    scopes: new Set(['entities/read', 'entities/write']),
    groups: new Set(['admin', 'ops']),
    expiresAt: 1_900_000_000,
  };

  it('allows execute-api:Invoke on the whole API for the subject', () => {
    const policy = allowPolicy(principal, METHOD_ARN);
    expect(policy.principalId).toBe('user-1');
    expect(policy.policyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: wholeApiArn(METHOD_ARN) }],
    });
  });

  it('puts sub, tenantId, scope, groups (a JSON array) and the token\'s exp in the context as strings and numbers', () => {
    const { context } = allowPolicy(principal, METHOD_ARN);
    expect(context).toEqual({ sub: 'user-1', tenantId: 'acme', scope: 'entities/read entities/write', groups: '["admin","ops"]', exp: 1_900_000_000 });
    for (const value of Object.values(context ?? {})) expect(['string', 'number']).toContain(typeof value);
  });

  it('uses an empty string and an empty array when there are no scopes or groups', () => {
    const { context } = allowPolicy({ ...principal, scopes: new Set(), groups: new Set() }, METHOD_ARN);
    expect(context).toMatchObject({ scope: '', groups: '[]' });
  });

  it('carries groups unambiguously: a group named "x,admin" is not admin on the handler side (issue 18)', () => {
    const { context } = allowPolicy({ ...principal, groups: new Set(['x,admin', 'ops']) }, METHOD_ARN);
    const caller = authorizerPrincipal({ requestContext: { authorizer: context } } as unknown as APIGatewayProxyEvent, 0);
    expect(caller?.groups).toEqual(new Set(['x,admin', 'ops']));
    expect(isAdmin(caller!)).toBe(false);
    // API Gateway hands the context over as strings: the exp too.
    const asStrings = Object.fromEntries(Object.entries(context ?? {}).map(([k, v]) => [k, String(v)]));
    expect(authorizerPrincipal({ requestContext: { authorizer: asStrings } } as unknown as APIGatewayProxyEvent, 0)?.groups).toEqual(new Set(['x,admin', 'ops']));
    // Anything but a JSON array of strings grants no group at all.
    for (const groups of ['admin', 'admin,ops', '{"0":"admin"}', '[1]', '["admin"', 'null']) {
      expect(authorizerPrincipal({ requestContext: { authorizer: { ...context, groups } } } as unknown as APIGatewayProxyEvent, 0)?.groups, groups).toEqual(new Set());
    }
  });

  it('the cached context never outlives the token: after exp the handler refuses it (401), before it accepts it', () => {
    const { context } = allowPolicy(principal, METHOD_ARN);
    const event = { requestContext: { authorizer: context } } as unknown as APIGatewayProxyEvent;
    expect(authorizerPrincipal(event, 1_900_000_000 * 1000 - 1)?.subject).toBe('user-1');
    expect(() => authorizerPrincipal(event, 1_900_000_000 * 1000)).toThrow(UnauthenticatedError);
    expect(() => authorizerPrincipal(event, 1_900_000_000 * 1000)).toThrow(/expired/);
    // A context without an exp is no caller (never a caller without end).
    expect(authorizerPrincipal({ requestContext: { authorizer: { ...context, exp: undefined } } } as unknown as APIGatewayProxyEvent, 0)).toBeUndefined();
  });

  it('returns the tenant\'s usage identifier when the stage has usage plans (issue 18), and none locally', () => {
    expect(allowPolicy(principal, METHOD_ARN, 'entity-platform-dev-tenant-').usageIdentifierKey).toBe('entity-platform-dev-tenant-acme');
    expect(allowPolicy(principal, METHOD_ARN)).not.toHaveProperty('usageIdentifierKey');
  });

  it('refuses a malformed method ARN', () => {
    expect(() => allowPolicy(principal, 'nonsense')).toThrow(/Unexpected methodArn/);
  });
});
