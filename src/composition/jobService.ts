import { randomUUID } from 'node:crypto';
import { createEcsClient, EcsJobLauncher } from '../adapters/ecs/EcsJobLauncher.ts';
import { JobService } from '../domain/jobService.ts';
import { DynamoJobSlots } from '../adapters/dynamodb/DynamoJobSlots.ts';
import { documentClient } from './dynamo.ts';
import { jobRecords } from './jobRecords.ts';
import { jobsConfig, loadJobSettings } from './jobSettings.ts';
import { settings } from './settings.ts';
import { once } from './once.ts';

const ecs = createEcsClient({ region: settings.AWS_REGION, endpoint: jobsConfig.ECS_ENDPOINT });

export const loadJobService: () => Promise<JobService> = once(async () => {
  const { jobsBucket } = await loadJobSettings();
  return new JobService({
    records: jobRecords,
    launcher: new EcsJobLauncher({ client: ecs, settings: loadJobSettings }),
    clock: { now: () => new Date() },
    ids: { newId: randomUUID },
    jobsBucket,
    slots: new DynamoJobSlots({ client: documentClient, tableName: settings.ENTITIES_TABLE }),
    maxActivePerTenant: jobsConfig.JOBS_MAX_ACTIVE_PER_TENANT,
  });
});
