import { applyBrokerDefinitionsResource } from '../adapters/rabbitmq/brokerDefinitionsResource.ts';
import { awsRegion } from '../config/environment.ts';

/**
 * Applies what a `LegacyBrokerDefinitions` custom resource asks for (its properties, validated by
 * the adapter) through the broker's management API, reading the users' secrets in the function's
 * region. A module of its own: the custom resource's function needs no other legacy wiring.
 */
export const applyBrokerDefinitions = (resourceProperties: unknown): Promise<Record<string, string>> => applyBrokerDefinitionsResource(resourceProperties, awsRegion());
