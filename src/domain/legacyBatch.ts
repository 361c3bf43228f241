import type { FieldIssue } from './errors.ts';
import type { LegacyInbound, LegacyOutcome, LegacySource } from './legacyInbound.ts';
import { parseLegacyMessage } from './legacyMessages.ts';

/** One message as the broker delivered it: the queue it came from (which says whose it is) and its body. */
export interface InboundDelivery {
  readonly queue: string;
  readonly body: Buffer;
  readonly messageId?: string;
}

export interface DeadLetter {
  readonly source: LegacySource;
  readonly queue: string;
  readonly delivery: InboundDelivery;
  readonly reason: string;
  readonly errors?: readonly FieldIssue[];
}

/** Where messages that cannot be applied go, with the reason (a dead-letter queue on the broker). Resolves once the broker confirmed. */
export interface LegacyDeadLetters {
  send(letters: readonly DeadLetter[]): Promise<void>;
}

export type LegacyCounts = Record<LegacyOutcome['kind'] | 'invalid', number>;

export interface LegacyBatchDeps {
  readonly inbound: LegacyInbound;
  readonly deadLetters: LegacyDeadLetters;
  /** The source a queue belongs to (configuration), or undefined for a queue the bridge does not know. */
  readonly sourceOf: (queue: string) => LegacySource | undefined;
  /** External ids applied at the same time (default 16). */
  readonly concurrency?: number;
}

/**
 * Applies one batch: first the messages that create an entity, together through the bulk path
 * (LegacyInbound.createFirst), then the rest: messages of the same source and external id one
 * after the other in delivery order, different ones side by side. Invalid and refused messages go to the dead-letter queue
 * with their reason, and the rest still apply; an infrastructure failure fails the batch once
 * every other message has been tried (the event source mapping delivers it again, and what was
 * applied is then a duplicate), sending no dead letters: the next delivery sends them.
 */
export async function applyLegacyBatch(deps: LegacyBatchDeps, deliveries: readonly InboundDelivery[]): Promise<LegacyCounts> {
  const counts: LegacyCounts = { created: 0, updated: 0, unchanged: 0, deleted: 0, duplicate: 0, stale: 0, rejected: 0, invalid: 0 };
  const letters: DeadLetter[] = [];
  const groups = new Map<string, { source: LegacySource; queue: string; items: { delivery: InboundDelivery; message: Extract<ReturnType<typeof parseLegacyMessage>, { ok: true }>['message'] }[] }>();
  for (const delivery of deliveries) {
    const source = deps.sourceOf(delivery.queue);
    if (!source) throw new Error(`Queue ${delivery.queue} belongs to no configured legacy source (LEGACY_SOURCES)`);
    const parsed = parseLegacyMessage(delivery.body.toString('utf8'));
    if (!parsed.ok) {
      counts.invalid += 1;
      letters.push({ source, queue: delivery.queue, delivery, reason: parsed.reason, errors: parsed.errors });
      continue;
    }
    const key = JSON.stringify([delivery.queue, parsed.message.externalId]);
    const group = groups.get(key) ?? { source, queue: delivery.queue, items: [] };
    group.items.push({ delivery, message: parsed.message });
    groups.set(key, group);
  }

  const pending = [...groups.values()];
  const failures: unknown[] = [];
  const record = (group: (typeof pending)[number], delivery: InboundDelivery, outcome: LegacyOutcome) => {
    counts[outcome.kind] += 1;
    if (outcome.kind === 'rejected') letters.push({ source: group.source, queue: group.queue, delivery, reason: outcome.reason, ...(outcome.errors && { errors: outcome.errors }) });
  };
  // The messages that create an entity, in bulk (createFirst); what it leaves goes one by one below.
  try {
    const created = await deps.inbound.createFirst(pending.map((group) => ({ source: group.source, message: group.items[0]!.message })));
    pending.forEach((group, i) => {
      const outcome = created[i];
      if (outcome === undefined) return;
      record(group, group.items[0]!.delivery, outcome);
      group.items.shift();
    });
  } catch (error) {
    failures.push(error); // every message is still tried one by one, and the batch then fails
  }
  const worker = async () => {
    for (let group = pending.shift(); group; group = pending.shift()) {
      try {
        for (const { delivery, message } of group.items) {
          record(group, delivery, await deps.inbound.apply(group.source, message));
        }
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.concurrency ?? 16, pending.length) }, worker));
  // A failed batch comes back whole: its letters are sent then, once, not now and again.
  if (failures.length > 0) throw failures[0] instanceof Error ? failures[0] : new Error(String(failures[0]));
  if (letters.length > 0) await deps.deadLetters.send(letters);
  return counts;
}
