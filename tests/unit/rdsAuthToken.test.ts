import { Signer } from '@aws-sdk/rds-signer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rdsAuthTokens } from '../../src/adapters/aws/rdsAuthToken.ts';

/** Our IAM database token against the SDK's RDS signer (the reference), at the same instant with the same credentials. */
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session/token+with=chars' };
const target = { hostname: 'entity-platform-dev.proxy-abc123.eu-west-1.rds.amazonaws.com', port: 5432, username: 'entity_platform', region: 'eu-west-1' };

afterEach(() => {
  vi.useRealTimers();
});

describe('rdsAuthTokens', () => {
  it('makes the token @aws-sdk/rds-signer makes: host:port/?Action=connect&DBUser=… presigned for 15 minutes', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-11-21T10:15:30.000Z') });
    const ours = await rdsAuthTokens({ ...target, credentials: () => credentials })();
    const sdk = await new Signer({ ...target, credentials }).getAuthToken();
    expect(ours).toBe(sdk);
    const url = new URL(`https://${ours}`);
    expect(url.host).toBe(`${target.hostname}:${target.port}`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      Action: 'connect',
      DBUser: 'entity_platform',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20261121/eu-west-1/rds-db/aws4_request',
      'X-Amz-Date': '20261121T101530Z',
      'X-Amz-Expires': '900',
      'X-Amz-Security-Token': credentials.sessionToken,
      'X-Amz-SignedHeaders': 'host',
    });
  });

  it('signs each token afresh (a new connection gets a token valid from now)', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-11-21T10:00:00.000Z') });
    const tokens = rdsAuthTokens({ ...target, credentials: () => credentials });
    const first = await tokens();
    vi.setSystemTime(Date.parse('2026-11-21T10:20:00.000Z'));
    const second = await tokens();
    expect(new URL(`https://${first}`).searchParams.get('X-Amz-Date')).toBe('20261121T100000Z');
    expect(new URL(`https://${second}`).searchParams.get('X-Amz-Date')).toBe('20261121T102000Z');
  });
});
