import * as z from 'zod/mini';
import { parseSettingsDocument } from '../../config/config.ts';
import type { LegacySource } from '../../domain/legacyInbound.ts';
import { readBrokerUser } from './brokerConnection.ts';
import { brokerDefinitions, brokerNames } from './brokerDefinitions.ts';
import { applyOverManagementApi, managementRequests } from './managementApi.ts';

/**
 * The `LegacyBrokerDefinitions` custom resource's properties (resources/legacy.yml): where the
 * broker's management API is, the administrator's secret, the bridge's prefix, the sources and the
 * secret of every broker user (one per source, three of the bridge's own). CloudFormation passes
 * every scalar as a string.
 */
const secretId = z.string().check(z.minLength(1));
const propertiesSchema = z.object({
  ManagementUrl: z.url({ protocol: /^https?$/ }),
  AdminSecret: secretId,
  Prefix: z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/)),
  VirtualHost: z._default(z.string().check(z.minLength(1)), '/'),
  Sources: z.array(z.object({ Tenant: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/)), Source: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/)), Secret: secretId })),
  ConsumerSecret: secretId,
  DeadLetterSecret: secretId,
  PublisherSecret: secretId,
});

export type BrokerDefinitionsProperties = z.input<typeof propertiesSchema>;

/**
 * Applies the definitions of the configured sources with every user's password from its secret.
 * A secret whose username is not the user the definitions name fails the deploy (the source
 * system would connect as a user that does not exist).
 */
export async function applyBrokerDefinitionsResource(resourceProperties: unknown, region: string): Promise<Record<string, string>> {
  const properties = parseSettingsDocument(propertiesSchema, resourceProperties, 'LegacyBrokerDefinitions properties');
  const sources: LegacySource[] = properties.Sources.map((s) => ({ tenantId: s.Tenant, source: s.Source }));
  const names = brokerNames(properties.Prefix);
  const secretOf = new Map<string, string>([
    [names.consumerUser, properties.ConsumerSecret],
    [names.deadLetterUser, properties.DeadLetterSecret],
    [names.publisherUser, properties.PublisherSecret],
    ...properties.Sources.map((s, i) => [names.sourceUser(sources[i]!), s.Secret] as const),
  ]);
  const definitions = brokerDefinitions(properties.Prefix, sources, properties.VirtualHost);
  const passwords: Record<string, string> = {};
  for (const user of definitions.users) {
    const secret = secretOf.get(user.name)!;
    const stored = await readBrokerUser(secret, region);
    if (stored.username !== user.name) throw new Error(`Secret ${secret} holds user ${stored.username}, but the definitions name ${user.name}`);
    passwords[user.name] = stored.password;
  }
  const admin = await readBrokerUser(properties.AdminSecret, region);
  const { requests } = await applyOverManagementApi({ url: properties.ManagementUrl, username: admin.username, password: admin.password }, managementRequests(definitions, passwords));
  return { requests: String(requests), users: definitions.users.map((u) => u.name).join(','), queues: definitions.queues.map((q) => q.name).join(',') };
}
