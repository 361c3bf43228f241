import { describe, expect, it } from 'vitest';
import { parseLegacyConfig } from '../../../src/config/legacyConfig.ts';

describe('legacy bridge configuration (issue 21)', () => {
  it('takes a local URL, or in AWS the broker id (or endpoint) and the secret, and names what is missing', () => {
    expect(parseLegacyConfig({ LEGACY_BROKER_URL: 'amqp://guest:guest@127.0.0.1:5672', LEGACY_SOURCES: 'acme:erp, globex:crm' })).toMatchObject({
      LEGACY_PREFIX: 'legacy',
      LEGACY_SOURCES: [{ tenantId: 'acme', source: 'erp' }, { tenantId: 'globex', source: 'crm' }],
    });
    expect(parseLegacyConfig({ LEGACY_BROKER_ID: 'b-1234abcd-5678', LEGACY_BROKER_SECRET_ID: 'svc/dev/legacy-broker' }).LEGACY_BROKER_ID).toBe('b-1234abcd-5678');
    expect(() => parseLegacyConfig({})).toThrow(/LEGACY_BROKER_SECRET_ID: is required.*LEGACY_BROKER_ID: is required/);
    expect(() => parseLegacyConfig({ LEGACY_BROKER_URL: 'http://x', LEGACY_SOURCES: 'acme' })).toThrow(/LEGACY_SOURCES: "acme" is not a tenant:source pair.*|LEGACY_BROKER_URL/);
  });
});
