import { afterEach, describe, expect, it } from 'vitest';
import { BYTES_PER_CALL, createEventBridgeClient, EventBridgeEntityEventPublisher, entrySize } from '../../../../src/adapters/eventbridge/EventBridgeEntityEventPublisher.ts';
import { entityChanged, type EntityEvent } from '../../../../src/domain/entityEvents.ts';
import { startAwsStandIn, type Answer, type AwsStandIn, type ReceivedCall } from '../../../support/awsStandIn.ts';

const event = (n: number, attributes: Record<string, string | number> = { n }): EntityEvent =>
  entityChanged('EntityCreated', {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    tenantId: 'acme',
    name: `e${n}`,
    attributes,
    visibility: 'private',
    version: 1,
    createdAt: '2026-11-21T10:00:00.000Z',
    updatedAt: '2026-11-21T10:00:00.000Z',
  }, `corr-${n}`);

type Entry = { EventBusName: string; Source: string; DetailType: string; Detail: string; Time: number };
const entriesOf = (call: ReceivedCall) => call.input['Entries'] as Entry[];
const accepted = (call: ReceivedCall): Answer => ({ status: 200, body: { FailedEntryCount: 0, Entries: entriesOf(call).map((_, i) => ({ EventId: `id-${i}` })) } });

/**
 * EventBridge has no local peer: the real SDK client sends to a stand-in (tests/support/awsStandIn.ts)
 * that records each PutEvents request as it arrives and answers from the test's script.
 */
let bus: AwsStandIn | undefined;
afterEach(async () => {
  await bus?.stop();
  bus = undefined;
});

async function publisherAgainst(script: ((call: ReceivedCall) => Answer)[], options: { entryAttempts?: number } = {}) {
  bus = await startAwsStandIn((call) => (script.shift() ?? accepted)(call));
  const failures: unknown[] = [];
  const publisher = new EventBridgeEntityEventPublisher({ client: createEventBridgeClient({ region: 'eu-west-1', endpoint: bus.endpoint }), busName: 'entity-platform-dev-events', onCallFailure: (e) => failures.push(e), ...options });
  return { publisher, calls: bus.calls, failures };
}

describe('EventBridgeEntityEventPublisher', () => {
  it('sends each event as source / detail-type / detail on the bus, ten entries per call', async () => {
    const { publisher, calls } = await publisherAgainst([]);
    const events = Array.from({ length: 23 }, (_, i) => event(i));
    expect((await publisher.publish(events)).failed).toEqual([]);
    expect(calls.map((c) => c.operation)).toEqual(['PutEvents', 'PutEvents', 'PutEvents']);
    expect(calls.map((c) => entriesOf(c).length)).toEqual([10, 10, 3]);
    expect(calls[0]!.headers['x-amz-target']).toBe('AWSEvents.PutEvents');
    expect(entriesOf(calls[0]!)[0]).toEqual({
      EventBusName: 'entity-platform-dev-events',
      Source: 'entity-platform.entities',
      DetailType: 'EntityCreated',
      Detail: JSON.stringify(events[0]),
      // The JSON protocol's timestamp: epoch seconds.
      Time: Date.parse('2026-11-21T10:00:00.000Z') / 1000,
    });
  });

  it('sends a 600 KB batch in calls under 256 KB each, in order, none lost', async () => {
    const { publisher, calls } = await publisherAgainst([]);
    // Ten events of ~60 KB (an entity carries up to 64 KiB of attributes).
    const events = Array.from({ length: 10 }, (_, i) => event(i, { text: String(i).repeat(60 * 1024) }));
    expect((await publisher.publish(events)).failed).toEqual([]);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    for (const call of calls) {
      const entries = entriesOf(call);
      expect(entries.reduce((sum, e) => sum + entrySize({ ...e, Time: new Date(e.Time * 1000) }), 0)).toBeLessThanOrEqual(BYTES_PER_CALL);
      expect(call.bytes).toBeLessThan(BYTES_PER_CALL + 4096); // the request itself: the entries plus the JSON around them
    }
    expect(calls.flatMap((c) => entriesOf(c).map((e) => JSON.parse(e.Detail).eventId))).toEqual(events.map((e) => e.eventId));
  });

  it('sends again only the entries EventBridge rejected (partial FailedEntryCount)', async () => {
    const { publisher, calls } = await publisherAgainst([() => ({ status: 200, body: { FailedEntryCount: 1, Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }, { EventId: 'c' }] } })]);
    const events = [event(1), event(2), event(3)];
    expect((await publisher.publish(events)).failed).toEqual([]);
    expect(calls).toHaveLength(2);
    expect(entriesOf(calls[1]!).map((e) => JSON.parse(e.Detail).eventId)).toEqual([events[1]!.eventId]);
  });

  it('returns what still fails: a permanent entry error at once, a transient one after its attempts', async () => {
    const transient = () => ({ status: 200, body: { FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] } });
    const { publisher, calls } = await publisherAgainst([() => ({ status: 200, body: { FailedEntryCount: 1, Entries: [{ ErrorCode: 'MalformedDetail' }, { EventId: 'b' }] } }), transient, transient, transient], { entryAttempts: 3 });
    const outcome = await publisher.publish([event(7), event(8)]);
    expect(outcome.failed.map((e) => e.eventId)).toEqual([event(7).eventId]); // malformed: not sent again
    expect(calls).toHaveLength(1);
    const again = await publisher.publish([event(9)]);
    expect(again.failed.map((e) => e.eventId)).toEqual([event(9).eventId]);
    expect(calls).toHaveLength(4);
  });

  it('leaves whole-call failures to the SDK\'s retries (3 attempts in all), then reports the call\'s events failed', async () => {
    const unavailable = (): Answer => ({ status: 503, body: { __type: 'ServiceUnavailableException', message: 'try later' } });
    const { publisher, calls, failures } = await publisherAgainst([unavailable, unavailable, unavailable]);
    const outcome = await publisher.publish([event(1), event(2)]);
    expect(outcome.failed.map((e) => e.eventId)).toEqual([event(1).eventId, event(2).eventId]);
    expect(calls).toHaveLength(3); // the SDK's attempts, no layer of ours on top
    expect(new Set(calls.map((c) => c.headers['amz-sdk-invocation-id'])).size).toBe(1); // one call, retried
    expect(failures).toHaveLength(1);
  });
});
