import { DynamoExternalIdMappings } from '../adapters/dynamodb/DynamoExternalIdMappings.ts';
import { DynamoPublishedVersions } from '../adapters/dynamodb/DynamoPublishedVersions.ts';
import { RabbitEntityEventPublisher } from '../adapters/rabbitmq/RabbitEntityEventPublisher.ts';
import { openBrokerConnection } from '../adapters/rabbitmq/brokerConnection.ts';
import { brokerNames } from '../adapters/rabbitmq/brokerDefinitions.ts';
import { RabbitDeadLetters } from '../adapters/rabbitmq/RabbitDeadLetters.ts';
import { lambdaFunctionName } from '../config/environment.ts';
import { readLegacyConfig } from '../config/legacyConfig.ts';
import { LegacyInbound, type LegacySource } from '../domain/legacyInbound.ts';
import { documentClient } from './dynamo.ts';
import { entityRepository } from './entityTable.ts';
import { once } from './once.ts';
import { settings } from './settings.ts';

/**
 * Composition root of the legacy bridge (docs/legacy-bridge.md): its settings, the broker
 * connection (opened on first use, inside an invocation), the inbound rules over the table.
 */
export const legacyConfig = readLegacyConfig();

export const loadBrokerConnection = once(() => openBrokerConnection(legacyConfig, settings.AWS_REGION, `${settings.STAGE}-${lambdaFunctionName() ?? 'legacy'}`));

export const loadLegacyDeadLetters = once(async () => new RabbitDeadLetters(await loadBrokerConnection(), legacyConfig.LEGACY_PREFIX));

export const legacyInbound = new LegacyInbound({
  repository: entityRepository,
  mappings: new DynamoExternalIdMappings({ client: documentClient, tableName: settings.ENTITIES_TABLE }),
  clock: { now: () => new Date() },
});

const names = brokerNames(legacyConfig.LEGACY_PREFIX);
const sourcesByQueue = new Map(legacyConfig.LEGACY_SOURCES.map((source) => [names.inbound(source), source]));

/** The tenant and source whose queue this is (configuration, never the message). */
export const legacySourceOf = (queue: string): LegacySource | undefined => sourcesByQueue.get(queue);

export const loadLegacyEventPublisher = once(async () => new RabbitEntityEventPublisher(await loadBrokerConnection(), legacyConfig.LEGACY_PREFIX));

export const publishedVersions = new DynamoPublishedVersions({ client: documentClient, tableName: settings.ENTITIES_TABLE });
