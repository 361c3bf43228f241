import type pg from 'pg';
import type { EntityEvent } from '../../domain/entityEvents.ts';
import type { EntityProjector, ProjectionOptions, ProjectionResult } from '../../domain/ports.ts';
import { projectEntityEvents } from './entityProjection.ts';

/** The read model's projection over a pool (./entityProjection.ts): the projector consumer's, and the rebuild job's in repair mode. */
export class PostgresEntityProjector implements EntityProjector {
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  project(events: readonly EntityEvent[], options?: ProjectionOptions): Promise<ProjectionResult> {
    return projectEntityEvents(this.pool, events, options);
  }
}
