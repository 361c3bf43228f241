import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler, type PreTokenGenerationEvent } from '../../../functions/preTokenGeneration.ts';
import { logger } from '../../../src/observability/index.ts';

const context: Context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'entity-platform-dev-preTokenGeneration',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:entity-platform-dev-preTokenGeneration',
  memoryLimitInMB: '128',
  awsRequestId: '11111111-2222-3333-4444-555555555555',
  logGroupName: '/aws/lambda/entity-platform-dev-preTokenGeneration',
  logStreamName: '2024/01/01/[$LATEST]abc',
  getRemainingTimeInMillis: () => 3000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

function event(triggerSource: string, userAttributes?: Record<string, string>): PreTokenGenerationEvent {
  return {
    version: triggerSource === 'TokenGeneration_ClientCredentials' ? '3' : '2',
    triggerSource,
    userPoolId: 'eu-west-1_abc123',
    callerContext: { clientId: 'client-1' },
    request: { ...(userAttributes && { userAttributes }), scopes: ['entities/read'] },
    response: { claimsAndScopeOverrideDetails: null },
  };
}

const claims = (tenantId: string) => ({
  claimsAndScopeOverrideDetails: {
    accessTokenGeneration: { claimsToAddOrOverride: { tenant_id: tenantId } },
    idTokenGeneration: { claimsToAddOrOverride: { tenant_id: tenantId } },
  },
});

describe('preTokenGeneration handler', () => {
  let warn: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it.each(['TokenGeneration_Authentication', 'TokenGeneration_RefreshTokens', 'TokenGeneration_HostedAuth'])(
    'adds the tenant_id claim from custom:tenant_id for a user (%s)',
    async (trigger) => {
      const result = await handler(event(trigger, { sub: 'u1', 'custom:tenant_id': 'acme' }), context);
      expect(result.response).toEqual(claims('acme'));
      expect(result.request.scopes).toEqual(['entities/read']);
    },
  );

  it('uses SERVICE_CLIENT_TENANT for the client-credentials grant, never a user attribute', async () => {
    vi.stubEnv('SERVICE_CLIENT_TENANT', 'svc_tenant');
    const result = await handler(event('TokenGeneration_ClientCredentials', { 'custom:tenant_id': 'acme' }), context);
    expect(result.response).toEqual(claims('svc_tenant'));
  });

  it('does not fall back to SERVICE_CLIENT_TENANT for a user without a tenant', async () => {
    vi.stubEnv('SERVICE_CLIENT_TENANT', 'svc_tenant');
    await expect(handler(event('TokenGeneration_Authentication', { sub: 'u1' }), context)).rejects.toThrow(/not assigned to a tenant; ask an administrator/);
    await expect(handler(event('TokenGeneration_Authentication'), context)).rejects.toThrow(/not assigned to a tenant/);
    expect(warn).toHaveBeenCalledWith('No usable tenant for token', { triggerSource: 'TokenGeneration_Authentication', clientId: 'client-1' });
  });

  it.each(['', 'a#b', 'TENANT#acme', 'has space', 'x'.repeat(65)])('rejects the invalid user tenant %j', async (tenant) => {
    await expect(handler(event('TokenGeneration_Authentication', { 'custom:tenant_id': tenant }), context)).rejects.toThrow(/not assigned to a tenant/);
  });

  it('rejects a client-credentials token when SERVICE_CLIENT_TENANT is unset or invalid', async () => {
    vi.stubEnv('SERVICE_CLIENT_TENANT', undefined);
    await expect(handler(event('TokenGeneration_ClientCredentials'), context)).rejects.toThrow('This client is not assigned to a tenant.');
    vi.stubEnv('SERVICE_CLIENT_TENANT', 'bad/tenant');
    await expect(handler(event('TokenGeneration_ClientCredentials'), context)).rejects.toThrow('This client is not assigned to a tenant.');
  });
});
