import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import type { Principal } from '../domain/principal.ts';
import { toAuthorizerContext } from './requestPrincipal.ts';

// `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}` → the same API and
// stage with every method and path: `arn:…:{apiId}/{stage}/*/*`. API Gateway caches the policy per
// token for the result TTL, so it must cover the whole API: a policy for the first method called
// would wrongly deny (or allow) the next one. Per-route rules (scopes) are enforced by the handlers.
export function wholeApiArn(methodArn: string): string {
  // The API id ends the ARN's colon-separated part; the slash-separated rest is stage/method/path.
  const [apiArn, stage] = methodArn.split('/');
  if (!apiArn?.startsWith('arn:') || apiArn.split(':').length !== 6 || !stage) throw new Error(`Unexpected methodArn: ${methodArn}`);
  return `${apiArn}/${stage}/*/*`;
}

/**
 * `usageKeyPrefix`: the stage's prefix of tenant API key values. The result then carries the
 * caller's tenant's usage identifier (`<prefix><tenant>`), which API Gateway looks up among the API
 * keys of the stage's usage plans and throttles by (per tenant; a service client is throttled as
 * the tenant it is configured for). Cached with the policy, per token, for the result TTL.
 */
export function allowPolicy(principal: Principal, methodArn: string, usageKeyPrefix?: string): APIGatewayAuthorizerResult {
  return {
    principalId: principal.subject,
    ...(usageKeyPrefix && { usageIdentifierKey: `${usageKeyPrefix}${principal.tenantId}` }),
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: wholeApiArn(methodArn) }],
    },
    context: { ...toAuthorizerContext(principal) },
  };
}
