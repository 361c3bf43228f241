import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { brokerDefinitions, brokerNames } from '../../../src/adapters/rabbitmq/brokerDefinitions.ts';

/**
 * resources/legacySources.cjs: a stage's `legacySources` become one broker-user secret and one
 * event source mapping (exactly one queue: an Amazon MQ mapping takes one) per source, with the
 * names the broker definitions use, so the custom resource creates the user each secret holds.
 */
const legacySources = createRequire(import.meta.url)('../../../resources/legacySources.cjs') as Record<string, (arg: { resolveVariable: (v: string) => Promise<unknown> }) => Promise<any>>;
const stage = (sources: unknown) => ({
  resolveVariable: (name: string) => Promise.resolve(({ 'param:legacySources': sources, 'self:service': 'entity-platform', 'sls:stage': 'dev', 'param:legacyBatchSize': 100, 'param:legacyBatchWindowSeconds': 1 } as Record<string, unknown>)[name]),
});
const two = [{ tenant: 'acme', source: 'erp' }, { tenant: 'globex', source: 'crm' }];

describe('legacy sources per stage (resources/legacySources.cjs)', () => {
  it('gives each source its own user secret and its own mapping on its own queue, read as the consumer user', async () => {
    const { Resources } = await legacySources['resources']!(stage(two));
    const secrets = Object.values(Resources as Record<string, any>).filter((r) => r.Type === 'AWS::SecretsManager::Secret');
    const mappings = Object.values(Resources as Record<string, any>).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
    const names = brokerNames('legacy');
    const sources = [{ tenantId: 'acme', source: 'erp' }, { tenantId: 'globex', source: 'crm' }];
    expect(secrets.map((s) => JSON.parse(s.Properties.GenerateSecretString.SecretStringTemplate).username)).toEqual(sources.map(names.sourceUser));
    expect(secrets.map((s) => s.Properties.Name)).toEqual(['entity-platform/dev/legacy-source/acme/erp', 'entity-platform/dev/legacy-source/globex/crm']);
    expect(mappings.map((m) => m.Properties.Queues)).toEqual(sources.map((s) => [names.inbound(s)]));
    // Every user a secret holds is one the definitions create.
    expect(brokerDefinitions('legacy', sources).users.map((u) => u.name)).toEqual(expect.arrayContaining(sources.map(names.sourceUser)));
    for (const m of mappings) {
      expect(m.DependsOn).toEqual(['LegacyBrokerDefinitions']);
      expect(m.Properties.SourceAccessConfigurations).toEqual([{ Type: 'BASIC_AUTH', URI: { Ref: 'LegacyConsumerSecret' } }, { Type: 'VIRTUAL_HOST', URI: '/' }]);
      expect(m.Properties).toMatchObject({ BatchSize: 100, MaximumBatchingWindowInSeconds: 1, EventSourceArn: { 'Fn::GetAtt': ['LegacyBroker', 'Arn'] } });
    }
    expect(await legacySources['setting']!(stage(two))).toBe('acme:erp,globex:crm');
    const definitionSources = await legacySources['definitionSources']!(stage(two));
    expect(definitionSources.map((s: any) => [s.Tenant, s.Source])).toEqual([['acme', 'erp'], ['globex', 'crm']]);
    expect(definitionSources.map((s: any) => Resources[s.Secret.Ref].Properties.Name)).toEqual(secrets.map((s) => s.Properties.Name));
  });

  it('keeps logical ids apart for look-alike pairs and refuses bad or repeated entries', async () => {
    const { Resources } = await legacySources['resources']!(stage([{ tenant: 'a-b', source: 'c' }, { tenant: 'a', source: 'b-c' }]));
    expect(Object.keys(Resources)).toHaveLength(4);
    await expect(legacySources['setting']!(stage([{ tenant: 'acme', source: 'erp' }, { tenant: 'acme', source: 'erp' }]))).rejects.toThrow(/acme:erp is listed twice/);
    await expect(legacySources['setting']!(stage([{ tenant: 'ac.me', source: 'erp' }]))).rejects.toThrow(/legacySources\[0\]/);
    await expect(legacySources['setting']!(stage('acme:erp'))).rejects.toThrow(/must be a list/);
  });
});
