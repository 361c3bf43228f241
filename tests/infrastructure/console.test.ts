import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { consoleContentSecurityPolicy } from '../../scripts/lib/localConsole.ts';
import { DEPLOYED_STAGES, packagedTemplate, resourcesOfType, type Template } from '../support/packagedStack.ts';
import { PACKAGED_STAGES_TIMEOUT_MS, packagedStages } from '../support/testRun.ts';

// The AWS stages are packaged while the stack's tests run; this file runs after them (tests/support/sequencer.ts).
beforeAll(() => packagedStages(), PACKAGED_STAGES_TIMEOUT_MS);

const props = (t: Template, id: string): Record<string, any> => {
  expect(t.Resources[id], id).toBeDefined();
  return t.Resources[id]!.Properties ?? {};
};
const ORIGIN = { 'Fn::If': ['HasConsoleDomain', 'https://', { 'Fn::Sub': 'https://${ConsoleDistribution.DomainName}' }] };
const QUOTED_ORIGIN = { 'Fn::Join': ['', ["'", ORIGIN, "'"]] };

describe.each(DEPLOYED_STAGES)('the console in the packaged template (%s)', (stage) => {
  it('keeps the bucket private and encrypted, readable over TLS by this distribution only', async () => {
    const t = await packagedTemplate(stage);
    const bucket = props(t, 'ConsoleBucket');
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toMatch(/^(AES256|aws:kms)$/);
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.OwnershipControls.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
    expect(bucket.WebsiteConfiguration).toBeUndefined();
    const [tlsOnly, distributionOnly] = props(t, 'ConsoleBucketPolicy').PolicyDocument.Statement;
    expect(tlsOnly).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(distributionOnly).toMatchObject({ Effect: 'Allow', Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' });
    expect(JSON.stringify(distributionOnly.Condition.StringEquals['AWS:SourceArn'])).toContain('distribution/${ConsoleDistribution}');
  });

  it('serves it through CloudFront with origin access control, HTTPS only, the app for every route', async () => {
    const t = await packagedTemplate(stage);
    expect(props(t, 'ConsoleOriginAccessControl').OriginAccessControlConfig).toMatchObject({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' });
    const config = props(t, 'ConsoleDistribution').DistributionConfig;
    const [origin] = config.Origins;
    expect(origin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': ['ConsoleOriginAccessControl', 'Id'] });
    expect(origin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    expect(config.DefaultRootObject).toBe('index.html');
    const behaviour = config.DefaultCacheBehavior;
    expect(behaviour).toMatchObject({ ViewerProtocolPolicy: 'redirect-to-https', AllowedMethods: ['GET', 'HEAD'], ResponseHeadersPolicyId: { Ref: 'ConsoleResponseHeadersPolicy' } });
    expect(behaviour.FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': ['ConsoleSpaFallback', 'FunctionMetadata.FunctionARN'] } }]);
    // The route function: app routes get index.html, files (config.json, assets) stay themselves.
    const code = props(t, 'ConsoleSpaFallback').FunctionCode as string;
    const handler = runInNewContext(`${code}; handler`) as (e: unknown) => { uri: string };
    const route = (uri: string) => handler({ request: { uri } }).uri;
    expect([route('/'), route('/search'), route('/entities/3f0c2a1e-8d4b-4c7e-9a51-2b6f0d9e7c10'), route('/config.json'), route('/assets/index-abc.js')]).toEqual(['/index.html', '/index.html', '/index.html', '/config.json', '/assets/index-abc.js']);
    // Without a console domain: the default certificate, no alias, no DNS record.
    expect(config.ViewerCertificate['Fn::If'][0]).toBe('HasConsoleDomain');
    expect(t.Resources['ConsoleDnsRecords']?.Condition).toBe('HasConsoleDomain');
  });

  it('sends a CSP without inline scripts, HSTS, no framing and nosniff on every answer', async () => {
    const t = await packagedTemplate(stage);
    const headers = props(t, 'ConsoleResponseHeadersPolicy').ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const csp = headers.ContentSecurityPolicy.ContentSecurityPolicy['Fn::Sub'][0] as string;
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(directives['connect-src']).toEqual(expect.arrayContaining(["'self'", '${ApiOrigin}', 'https://${UserPoolDomain}.auth.${AWS::Region}.amazoncognito.com', 'https://cognito-idp.${AWS::Region}.amazonaws.com', 'https://${JobsBucket}.s3.${AWS::Region}.amazonaws.com']));
    // The local stack serves the console with the same policy (scripts/lib/localConsole.ts), its own origins aside.
    const local = consoleContentSecurityPolicy(['http://api.local']).split('; ');
    expect(csp.split('; ').filter((d) => !d.startsWith('connect-src') && d !== 'upgrade-insecure-requests')).toEqual(local.filter((d) => !d.startsWith('connect-src')));
    expect(headers.StrictTransportSecurity).toMatchObject({ Override: true, AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true });
    expect(headers.FrameOptions).toEqual({ Override: true, FrameOption: 'DENY' });
    expect(headers.ContentTypeOptions).toEqual({ Override: true });
  });

  it('sends the hosted UI back to the console, and lets the console call the API (CORS) and the jobs bucket', async () => {
    const t = await packagedTemplate(stage);
    const client = props(t, 'UserAppClient');
    const url = { 'Fn::If': ['HasConsoleDomain', 'https:///', { 'Fn::Sub': 'https://${ConsoleDistribution.DomainName}/' }] };
    // dev also takes a developer's console on localhost (the `oauthCallbackUrls` param; tests/infrastructure/firstDeploy.test.ts).
    const urls = stage === 'dev' ? [url, 'http://localhost:5173/'] : [url];
    expect(client.CallbackURLs).toEqual(urls);
    expect(client.LogoutURLs).toEqual(urls);
    expect(client.AllowedOAuthFlows).toEqual(['code']);
    const preflights = resourcesOfType(t, 'AWS::ApiGateway::Method').filter(([, m]) => m.Properties!.HttpMethod === 'OPTIONS');
    expect(preflights.length).toBeGreaterThanOrEqual(12);
    for (const [id, method] of preflights) {
      const parameters = method.Properties!.Integration.IntegrationResponses[0].ResponseParameters;
      expect(parameters['method.response.header.Access-Control-Allow-Origin'], id).toEqual(QUOTED_ORIGIN);
      expect(parameters['method.response.header.Access-Control-Allow-Headers'], id).toContain('If-Match');
      expect(parameters['method.response.header.Access-Control-Allow-Headers'], id).toContain('Idempotency-Key');
    }
    for (const [id, response] of resourcesOfType(t, 'AWS::ApiGateway::GatewayResponse')) {
      expect(response.Properties!.ResponseParameters['gatewayresponse.header.Access-Control-Allow-Origin'], id).toEqual(QUOTED_ORIGIN);
    }
    expect(props(t, 'CreateEntityLambdaFunction').Environment.Variables.CONSOLE_ORIGIN).toEqual(ORIGIN);
    expect(props(t, 'PreTokenGenerationLambdaFunction').Environment.Variables.CONSOLE_ORIGIN).toBeUndefined();
    const [rule] = props(t, 'JobsBucket').CorsConfiguration.CorsRules;
    expect(rule).toMatchObject({ AllowedMethods: ['PUT', 'GET'] });
  });

  it('lets the job file routes sign only what their URLs do', async () => {
    const t = await packagedTemplate(stage);
    const statements = (id: string) => props(t, id).Policies.flatMap((p: any) => p.PolicyDocument.Statement);
    const s3 = (id: string) => statements(id).filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('s3:')));
    expect(s3('CreateJobUploadRole')).toEqual([{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: { 'Fn::Sub': '${JobsBucket.Arn}/imports/*' } }]);
    expect(s3('GetJobFileRole')).toEqual([{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: [{ 'Fn::Sub': '${JobsBucket.Arn}/exports/*' }, { 'Fn::Sub': '${JobsBucket.Arn}/rejects/*' }] }]);
  });

  it('puts the stage on its own domains only when the params name them', async () => {
    const t = await packagedTemplate(stage);
    for (const id of ['ConsoleDnsRecords', 'ApiDomainName', 'ApiBasePathMapping', 'ApiDnsRecord']) expect(t.Resources[id]?.Condition, id).toMatch(/^Has(Console|Api)Domain$/);
    expect(props(t, 'ApiDomainName')).toMatchObject({ EndpointConfiguration: { Types: ['REGIONAL'] }, SecurityPolicy: 'TLS_1_2' });
    expect(t.Conditions?.['HasConsoleDomain']).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
    expect(Object.keys(t.Outputs ?? {})).toEqual(expect.arrayContaining(['ConsoleBucketName', 'ConsoleDistributionId', 'ConsoleUrl', 'ConsoleAuthDomain', 'ApiUrl']));
  });
});
