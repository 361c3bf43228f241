import { readFile } from 'node:fs/promises';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { parse } from 'yaml';
import { cloudFormationTags } from './cloudFormationYaml.ts';

interface TableProperties {
  AttributeDefinitions: CreateTableCommandInput['AttributeDefinitions'];
  KeySchema: CreateTableCommandInput['KeySchema'];
  GlobalSecondaryIndexes?: CreateTableCommandInput['GlobalSecondaryIndexes'];
  StreamSpecification?: { StreamViewType: 'NEW_AND_OLD_IMAGES' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'KEYS_ONLY' };
  TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
}

export interface LocalTableDefinition {
  readonly create: CreateTableCommandInput;
  readonly ttlAttribute: string | undefined;
}

/**
 * The local table, built from the same `resources/dynamodb.yml` that deploys the real one: keys,
 * indexes, stream and TTL come from there; only what DynamoDB Local has no use for (PITR, SSE,
 * deletion protection, tags) is left out.
 */
export async function localTableDefinition(templatePath: string, tableName: string): Promise<LocalTableDefinition> {
  const template = parse(await readFile(templatePath, 'utf8'), { customTags: cloudFormationTags }) as {
    Resources: { EntitiesTable: { Properties: TableProperties } };
  };
  const p = template.Resources.EntitiesTable.Properties;
  return {
    create: {
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: p.AttributeDefinitions,
      KeySchema: p.KeySchema,
      ...(p.GlobalSecondaryIndexes && { GlobalSecondaryIndexes: p.GlobalSecondaryIndexes }),
      ...(p.StreamSpecification && { StreamSpecification: { StreamEnabled: true, StreamViewType: p.StreamSpecification.StreamViewType } }),
    },
    ttlAttribute: p.TimeToLiveSpecification?.Enabled ? p.TimeToLiveSpecification.AttributeName : undefined,
  };
}
