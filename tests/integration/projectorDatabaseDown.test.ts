import { describe, expect, it } from 'vitest';
import { changed, entityAt, eventBridgeBody, sqsEvent } from '../support/entityEvents.ts';

describe('projectEntityEvents handler with PostgreSQL unreachable', () => {
  it('reports every record of the batch as failed, so all are retried and none is lost', async () => {
    Object.assign(process.env, { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/unreachable', POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
    const { handler } = await import('../../functions/events/projectEntityEvents.ts');
    const event = sqsEvent([eventBridgeBody(changed(entityAt('down', 1))), eventBridgeBody(changed(entityAt('down', 1))), 'poison']);
    const response = await handler(event, { functionName: 'projectEntityEvents', awsRequestId: 'r', getRemainingTimeInMillis: () => 30_000 } as never);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(event.Records.map((r) => r.messageId).sort());
  });
});
