import { DynamoJobRecords } from '../adapters/dynamodb/DynamoJobRecords.ts';
import { documentClient } from './dynamo.ts';
import { settings } from './settings.ts';

/** Job records in the table (reading a job's status needs nothing else: no ECS client, no job settings). */
export const jobRecords = new DynamoJobRecords({ client: documentClient, tableName: settings.ENTITIES_TABLE });
