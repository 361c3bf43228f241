import { describe, expect, it } from 'vitest';
import { allowPolicy, wholeApiArn } from '../../src/http/authorizerPolicy.ts';
import type { Principal } from '../../src/domain/principal.ts';

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
  };

  it('allows execute-api:Invoke on the whole API for the subject', () => {
    const policy = allowPolicy(principal, METHOD_ARN);
    expect(policy.principalId).toBe('user-1');
    expect(policy.policyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: wholeApiArn(METHOD_ARN) }],
    });
  });

  it('puts sub, tenantId, scope and groups in the context as strings', () => {
    const { context } = allowPolicy(principal, METHOD_ARN);
    expect(context).toEqual({ sub: 'user-1', tenantId: 'acme', scope: 'entities/read entities/write', groups: 'admin,ops' });
    for (const value of Object.values(context ?? {})) expect(typeof value).toBe('string');
  });

  it('uses empty strings when there are no scopes or groups', () => {
    const { context } = allowPolicy({ ...principal, scopes: new Set(), groups: new Set() }, METHOD_ARN);
    expect(context).toMatchObject({ scope: '', groups: '' });
  });

  it('refuses a malformed method ARN', () => {
    expect(() => allowPolicy(principal, 'nonsense')).toThrow(/Unexpected methodArn/);
  });
});
