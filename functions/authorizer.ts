import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent, Context } from 'aws-lambda';
import { usageKeyPrefix } from '../src/config/environment.ts';
import { UnauthenticatedError } from '../src/domain/errors.ts';
import { loadAccessTokenVerifier } from '../src/composition/tokenVerifier.ts';
import { allowPolicy } from '../src/identity/authorizerPolicy.ts';
import { logger } from '../src/observability/logger.ts';

const BEARER = /^Bearer (\S+)$/;
/** The stage's prefix of tenant API key values (per-tenant usage plans; unset locally: no usage identifier). */
const USAGE_KEY_PREFIX = usageKeyPrefix();

/**
 * API Gateway TOKEN authorizer for /api/v1/secure. A valid access token → an Allow policy for
 * the whole API plus the caller (sub, tenant, scopes, groups) in the context; anything else →
 * "Unauthorized" (API Gateway answers 401). A JWKS outage is an error (500), not a 401.
 */
export async function handler(event: APIGatewayTokenAuthorizerEvent, context: Context): Promise<APIGatewayAuthorizerResult> {
  logger.addContext(context);
  const token = BEARER.exec(event.authorizationToken ?? '')?.[1];
  try {
    if (!token) throw new UnauthenticatedError('Send the access token as "Authorization: Bearer <token>".');
    const principal = await (await loadAccessTokenVerifier()).verify(token);
    logger.debug('Token accepted', { sub: principal.subject, tenantId: principal.tenantId });
    return allowPolicy(principal, event.methodArn, USAGE_KEY_PREFIX);
  } catch (error) {
    if (error instanceof UnauthenticatedError) {
      logger.info('Token rejected', { reason: error.message });
      throw new Error('Unauthorized');
    }
    logger.error('Token verification failed', { error: error as Error });
    throw error;
  }
}
