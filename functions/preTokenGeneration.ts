import type { Context } from 'aws-lambda';
import { serviceClientTenant } from '../src/config/environment.ts';
import { TENANT_CLAIM } from '../src/identity/identitySettings.ts';
import { TENANT_ID_PATTERN } from '../src/domain/principal.ts';
import { logger } from '../src/observability/logger.ts';

/** The parts of a Cognito pre-token-generation event (V2_0 for users, V3_0 also for client credentials) this trigger uses. */
export interface PreTokenGenerationEvent {
  version: string;
  triggerSource: string;
  userPoolId: string;
  callerContext: { clientId: string };
  request: { userAttributes?: Record<string, string>; scopes?: string[] };
  response: {
    claimsAndScopeOverrideDetails?: {
      accessTokenGeneration?: { claimsToAddOrOverride?: Record<string, string> };
      idTokenGeneration?: { claimsToAddOrOverride?: Record<string, string> };
    } | null;
  };
}

/**
 * Cognito puts no custom attributes in access tokens: this trigger adds the tenant claim.
 * Users: from their `custom:tenant_id` attribute. Machine clients (client-credentials grant,
 * V3_0 events): from SERVICE_CLIENT_TENANT, the tenant this stage's confidential client acts for.
 * No tenant → the sign-in fails rather than issue a token every route would refuse.
 */
export function handler(event: PreTokenGenerationEvent, context: Context): Promise<PreTokenGenerationEvent> {
  logger.addContext(context);
  const machine = event.triggerSource === 'TokenGeneration_ClientCredentials';
  const tenantId = machine ? serviceClientTenant() : event.request.userAttributes?.['custom:tenant_id'];
  if (!tenantId || !TENANT_ID_PATTERN.test(tenantId)) {
    logger.warn('No usable tenant for token', { triggerSource: event.triggerSource, clientId: event.callerContext.clientId });
    return Promise.reject(new Error(machine ? 'This client is not assigned to a tenant.' : 'Your account is not assigned to a tenant; ask an administrator.'));
  }
  event.response = {
    claimsAndScopeOverrideDetails: {
      accessTokenGeneration: { claimsToAddOrOverride: { [TENANT_CLAIM]: tenantId } },
      idTokenGeneration: { claimsToAddOrOverride: { [TENANT_CLAIM]: tenantId } },
    },
  };
  return Promise.resolve(event);
}
