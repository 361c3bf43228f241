import { randomUUID } from 'node:crypto';
import { createPool } from '../../src/adapters/postgres/pool.ts';
import { projectEntityEvents } from '../../src/adapters/postgres/entityProjection.ts';
import { entityChanged, type EntityEvent } from '../../src/domain/entityEvents.ts';
import { createTestDatabase } from '../../tests/support/postgres.ts';
import { median, nowNs } from './stats.ts';

export interface ProjectorThroughput {
  /** `naive`: one `projectEntityEvents(pool, [event])` (one row, one statement) per event. */
  readonly batch: 'naive' | 10 | 100 | 1000;
  /** Median over the rounds. */
  readonly eventsPerSecond: number;
  readonly eventsPerRound: number;
  readonly rounds: number;
}

export interface ProjectorResult {
  readonly database: string;
  readonly throughput: ProjectorThroughput[];
}

const BATCHES = [10, 100, 1000] as const;

/** `count` EntityCreated events for new entities, spread over a few tenants, with a few attributes each. */
function events(count: number): EntityEvent[] {
  const now = new Date().toISOString();
  return Array.from({ length: count }, (_, i) =>
    entityChanged('EntityCreated', {
      id: randomUUID(),
      tenantId: `t${i % 8}`,
      name: `Pump station ${i}`,
      attributes: { site: i % 2 === 0 ? 'north' : 'south', capacityLitres: 1000 + i, tags: ['bench'] },
      visibility: i % 3 === 0 ? 'public' : 'private',
      version: 1,
      createdAt: now,
      updatedAt: now,
    }, 'bench'),
  );
}

/**
 * The set-based projector against real PostgreSQL: a database of its own (created, migrated and
 * dropped here, as the tests do), the production pool (`createPool`, 2 connections, one used at a
 * time as in Lambda). Each round projects `eventsPerRound` new entities per batch size, in batches,
 * and the same number one event per statement; the order of the variants rotates every round.
 */
export async function measureProjector(options: { rounds: number; eventsPerRound: number }): Promise<ProjectorResult> {
  const database = await createTestDatabase();
  const pool = createPool({ kind: 'url', url: database.url, poolMax: 2 });
  try {
    const variants: ProjectorThroughput['batch'][] = ['naive', ...BATCHES];
    const rates = new Map<ProjectorThroughput['batch'], number[]>(variants.map((v) => [v, []]));
    // Warm up: connections, plans, the table's first pages.
    await projectEntityEvents(pool, events(1000));
    for (const event of events(100)) await projectEntityEvents(pool, [event]);
    let expectedRows = 1100;
    for (let round = 0; round < options.rounds; round++) {
      for (let v = 0; v < variants.length; v++) {
        const variant = variants[(v + round) % variants.length]!;
        const input = events(options.eventsPerRound);
        const start = nowNs();
        let written = 0;
        if (variant === 'naive') {
          for (const event of input) written += (await projectEntityEvents(pool, [event])).written;
        } else {
          for (let i = 0; i < input.length; i += variant) written += (await projectEntityEvents(pool, input.slice(i, i + variant))).written;
        }
        const seconds = (nowNs() - start) / 1e9;
        if (written !== input.length) throw new Error(`projector (${variant}) wrote ${written} of ${input.length} events`);
        expectedRows += input.length;
        rates.get(variant)!.push(input.length / seconds);
      }
    }
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM entities');
    if (rows[0]?.n !== expectedRows) throw new Error(`expected ${expectedRows} rows in the read model, found ${rows[0]?.n}`);
    return {
      database: database.name,
      throughput: variants.map((batch) => ({ batch, eventsPerSecond: median(rates.get(batch)!), eventsPerRound: options.eventsPerRound, rounds: options.rounds })),
    };
  } finally {
    await pool.end();
    await database.drop();
  }
}
