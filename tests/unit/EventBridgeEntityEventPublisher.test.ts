import type { PutEventsResponse } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { EventBridgeEntityEventPublisher, type PutEventsWireEntry } from '../../src/adapters/eventbridge/EventBridgeEntityEventPublisher.ts';
import { entityChanged, type EntityEvent } from '../../src/domain/entityEvents.ts';

const event = (n: number): EntityEvent =>
  entityChanged('EntityCreated', {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    tenantId: 'acme',
    name: `e${n}`,
    attributes: { n },
    visibility: 'private',
    version: 1,
    createdAt: '2026-11-21T10:00:00.000Z',
    updatedAt: '2026-11-21T10:00:00.000Z',
  }, `corr-${n}`);

/** EventBridge has no local peer: a stand-in records every PutEvents request and answers from a script. */
function eventBridge(answers: ((entries: number) => PutEventsResponse | Error)[]) {
  const requests: { Entries: PutEventsWireEntry[] }[] = [];
  return {
    requests,
    client: {
      call: (operation: string, input: { Entries: PutEventsWireEntry[] }) => {
        expect(operation).toBe('PutEvents');
        requests.push(input);
        const answer = (answers.shift() ?? ((n: number) => ({ FailedEntryCount: 0, Entries: Array.from({ length: n }, (_, i) => ({ EventId: `id-${i}` })) })))(input.Entries.length);
        return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
      },
    } as never,
  };
}

describe('EventBridgeEntityEventPublisher', () => {
  it('sends each event as source / detail-type / detail on the bus, ten entries per call', async () => {
    const bus = eventBridge([]);
    const events = Array.from({ length: 23 }, (_, i) => event(i));
    const outcome = await new EventBridgeEntityEventPublisher({ client: bus.client, busName: 'entity-platform-dev-events' }).publish(events);
    expect(outcome.failed).toEqual([]);
    expect(bus.requests.map((r) => r.Entries?.length)).toEqual([10, 10, 3]);
    expect(bus.requests[0]?.Entries?.[0]).toEqual({
      EventBusName: 'entity-platform-dev-events',
      Source: 'entity-platform.entities',
      DetailType: 'EntityCreated',
      Detail: JSON.stringify(events[0]),
      // The JSON protocol's timestamp: epoch seconds.
      Time: Date.parse('2026-11-21T10:00:00.000Z') / 1000,
    });
  });

  it('retries only the entries EventBridge rejected (partial FailedEntryCount)', async () => {
    const bus = eventBridge([() => ({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }, { EventId: 'c' }] })]);
    const events = [event(1), event(2), event(3)];
    const outcome = await new EventBridgeEntityEventPublisher({ client: bus.client, busName: 'b' }).publish(events);
    expect(outcome.failed).toEqual([]);
    expect(bus.requests).toHaveLength(2);
    expect(bus.requests[1]?.Entries?.map((e) => JSON.parse(e.Detail ?? '{}').eventId)).toEqual([events[1]!.eventId]);
  });

  it('returns what still fails after every attempt, and survives whole-call failures', async () => {
    const reject = () => ({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    const bus = eventBridge([() => new Error('socket hang up'), reject, reject]);
    const failures: unknown[] = [];
    const publisher = new EventBridgeEntityEventPublisher({ client: bus.client, busName: 'b', attempts: 3, onCallFailure: (e) => failures.push(e) });
    const outcome = await publisher.publish([event(7)]);
    expect(outcome.failed.map((e) => e.eventId)).toEqual([event(7).eventId]);
    expect(bus.requests).toHaveLength(3);
    expect(failures).toHaveLength(1);
  });
});
