import { randomUUID } from 'node:crypto';
import { normalizeName } from '../domain/entity.ts';
import { createEntitySchema, type CreateEntityInput } from '../domain/entitySchemas.ts';
import { EntityService } from '../domain/entityService.ts';
import { NameTakenError, type FieldIssue } from '../domain/errors.ts';
import { SCOPES, type Principal } from '../domain/principal.ts';
import type { Clock, CreateManyOutcome, EntityRepository, CheckpointStore } from '../domain/ports.ts';
import type { Checkpoint, CheckpointState } from '../domain/jobCheckpoint.ts';
import type { JobSummary } from './jobSummary.ts';
import { deterministicId, resumePoint } from './resume.ts';
import { reopenOutput, type JobFiles } from './jobFiles.ts';
import { silentProgress, type ProgressReporter } from './progress.ts';
import { countRecords, readRecords, type InputFormat, type InputRecord } from './records.ts';

export interface ImportDeps {
  readonly repository: EntityRepository;
  readonly files: JobFiles;
  readonly checkpoints: CheckpointStore;
  readonly clock: Clock;
}

export interface ImportOptions {
  readonly jobId: string;
  readonly tenantId: string;
  /** A local path or `s3://bucket/key`. */
  readonly file: string;
  readonly format: InputFormat;
  /** A local path or `s3://bucket/key`. */
  readonly rejectsFile: string;
  /** Batches written at the same time (default 4). */
  readonly concurrency?: number;
  /** Records per batch: what one `createMany` call writes (default 50, one DynamoDB transaction). */
  readonly batchSize?: number;
  /** A checkpoint at least every this many records (default 500) and every `checkpointMs` (default 5 s). */
  readonly checkpointEvery?: number;
  readonly checkpointMs?: number;
  /** Aborting stops reading, lets the records in flight finish, writes a final checkpoint and returns `interrupted`. */
  readonly signal?: AbortSignal;
  readonly progress?: ProgressReporter;
}

type Outcome =
  | { readonly kind: 'imported'; readonly replayed: boolean }
  | { readonly kind: 'rejected'; readonly reason: string; readonly errors?: readonly FieldIssue[]; readonly conflictingEntityId?: string };

/** A valid record waiting for its batch. */
interface Pending {
  readonly line: number;
  readonly id: string;
  readonly input: CreateEntityInput;
}

/** Batches in flight against DynamoDB. */
export const DEFAULT_IMPORT_CONCURRENCY = 4;
/**
 * Batches in flight against DynamoDB Local: it applies one write at a time (SQLite), so a second
 * transaction only queues, and a checkpoint queued behind two 100-item transactions can outwait
 * its 2 s timeout on a loaded machine.
 */
export const LOCAL_IMPORT_CONCURRENCY = 1;
const DEFAULT_BATCH_SIZE = 50;
/** At most this many batches' worth of records (per concurrent slot) may wait behind a slow one for their turn to be counted. */
const WINDOW_PER_SLOT = 2;

/**
 * Imports a file into a tenant through the entity service, as the API would create each record
 * (same schema, same rules: the tenant from the principal, unique names, version 1), in batches
 * through the repository's bulk write (`createMany`: transactions of up to 50 entities with
 * their name claims), `concurrency` batches at a time.
 *
 * Outcomes are counted, and rejects written, strictly in line order, so "everything up to line N"
 * is always a consistent state: the checkpoint records N, the counts and the rejects file's
 * length at N. A restart skips lines up to N, cuts the rejects file back to its length at N and
 * continues. Lines after N that had already been written before the stop are recognised by their
 * deterministic id (job id + line) and count as imported, never twice. Records with the same name
 * are decided in line order (within a batch by `createMany`; a batch waits for earlier batches
 * in flight that hold one of its names), so which of them wins does not depend on timing.
 */
export async function runImport(deps: ImportDeps, options: ImportOptions): Promise<JobSummary> {
  const started = Date.now();
  const source = `${options.format}:${options.file}`;
  const previous = await resumePoint(deps.checkpoints, options.jobId, 'import', options.tenantId, source);
  let counts = { imported: 0, rejected: 0, replayed: 0, ...(previous?.counts ?? {}) };
  if (previous?.state === 'completed') return summary(previous.state);

  // Counted first: a missing input fails the job before its rejects are touched.
  const total = await countRecords(await deps.files.read(options.file), options.format);
  // The rejects so far, kept; when they were lost (an S3 upload a crash left incomplete), the
  // import starts over: every line again, the ones already imported recognised by their ids.
  const { output, restarted } = await reopenOutput(deps.files, options.rejectsFile, previous?.outputBytes ?? 0);
  if (restarted) counts = { imported: 0, rejected: 0, replayed: 0 };
  const startLine = restarted ? 0 : (previous?.position.line ?? 0);
  let watermark = startLine;
  let rejectBytes = output.bytes;
  const startedAt = previous?.startedAt ?? deps.clock.now().toISOString();
  const progress = options.progress ?? silentProgress;
  let writes: Promise<unknown> = Promise.resolve();

  const principal: Principal = { subject: `worker:${options.jobId}`, tenantId: options.tenantId, scopes: new Set([SCOPES.write]), groups: new Set() };
  const service = new EntityService({ repository: deps.repository, clock: deps.clock, ids: { newId: () => randomUUID() } });
  const concurrency = options.concurrency ?? DEFAULT_IMPORT_CONCURRENCY;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const window = (concurrency + 1) * batchSize * WINDOW_PER_SLOT;
  const order: number[] = [];
  const outcomes = new Map<number, Outcome>();
  const inFlight = new Set<Promise<void>>();
  /** Per normalized name, the batch in flight that writes it (settled, never rejecting). */
  const nameHolders = new Map<string, Promise<void>>();
  let batch: Pending[] = [];
  let fatal: unknown;

  const checkpoint = async (state: CheckpointState, error?: unknown) => {
    const snapshot: Checkpoint = {
      jobId: options.jobId,
      kind: 'import',
      tenantId: options.tenantId,
      state,
      position: { line: watermark },
      outputBytes: rejectBytes,
      counts: { ...counts },
      source,
      startedAt,
      updatedAt: deps.clock.now().toISOString(),
      ...(error !== undefined && { error: String((error as Error).message ?? error) }),
    };
    await writes; // the rejects up to the watermark are in the file before the checkpoint says so
    await deps.checkpoints.save(snapshot);
  };

  const flush = () => {
    while (order.length > 0 && outcomes.has(order[0]!)) {
      const line = order.shift()!;
      const outcome = outcomes.get(line)!;
      outcomes.delete(line);
      if (outcome.kind === 'imported') {
        counts.imported += 1;
        if (outcome.replayed) counts.replayed += 1;
      } else {
        counts.rejected += 1;
        const text = JSON.stringify({ line, reason: outcome.reason, errors: outcome.errors, conflictingEntityId: outcome.conflictingEntityId }) + '\n';
        rejectBytes += Buffer.byteLength(text);
        writes = writes.then(() => output.write(text));
      }
      watermark = line;
    }
    progress.update({ done: counts.imported + counts.rejected, total, counts: { imported: counts.imported, rejected: counts.rejected } });
  };

  /** The record ready for its batch, or why it is rejected (the API's schema and text rule). */
  const prepare = (record: InputRecord): Pending | Outcome => {
    if (!record.ok) return { kind: 'rejected', reason: record.reason };
    const parsed = createEntitySchema.safeParse(record.value);
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => ({ path: '/' + i.path.map(String).join('/'), message: i.message }));
      return { kind: 'rejected', reason: 'invalid record', errors };
    }
    return { line: record.line, id: deterministicId(options.jobId, record.line), input: parsed.data };
  };

  /** Sends the batch; it first waits for the batches in flight that write one of its names. */
  const dispatch = () => {
    if (batch.length === 0) return;
    const records = batch;
    batch = [];
    const names = [...new Set(records.map((r) => normalizeName(r.input.name)))];
    const earlier = names.flatMap((name) => nameHolders.get(name) ?? []);
    const task: Promise<void> = Promise.all(earlier)
      .then(() => service.createMany(principal, records))
      .then(
        (results) => {
          results.forEach(({ refused }, i) => outcomes.set(records[i]!.line, outcomeOf(refused)));
          flush();
        },
        (error: unknown) => {
          fatal ??= error;
        },
      );
    inFlight.add(task);
    for (const name of names) nameHolders.set(name, task);
    void task.finally(() => {
      inFlight.delete(task);
      for (const name of names) if (nameHolders.get(name) === task) nameHolders.delete(name);
    });
  };
  const stopping = () => fatal !== undefined || options.signal?.aborted === true;

  let closed = false;
  let lastCheckpointLine = watermark;
  let lastCheckpointAt = Date.now();
  try {
    for await (const record of readRecords(await deps.files.read(options.file), options.format)) {
      if (record.line <= startLine) continue;
      if (stopping()) break;
      order.push(record.line);
      const prepared = prepare(record);
      if ('kind' in prepared) {
        outcomes.set(record.line, prepared);
        flush();
      } else batch.push(prepared);
      // A full batch goes when a slot is free; so does a partial one that holds the window up.
      if (batch.length >= batchSize || (batch.length > 0 && order.length >= window)) {
        while (inFlight.size >= concurrency) await Promise.race(inFlight);
        dispatch();
      }
      while (!stopping() && order.length >= window) await Promise.race(inFlight);
      if (watermark - lastCheckpointLine >= (options.checkpointEvery ?? 500) || Date.now() - lastCheckpointAt >= (options.checkpointMs ?? 5_000)) {
        lastCheckpointLine = watermark;
        lastCheckpointAt = Date.now();
        // A periodic checkpoint that cannot be written is skipped: the next one covers it, and
        // the final one (below) must be written or the job fails.
        await checkpoint('running').catch(() => undefined);
      }
    }
    if (fatal === undefined) dispatch(); // the records read and not yet sent (an interrupted run's too: they are in flight)
    await Promise.all(inFlight);
    const state: CheckpointState = fatal !== undefined ? 'failed' : options.signal?.aborted ? 'interrupted' : 'completed';
    await writes;
    closed = true;
    await output.close(); // the rejects are durable (S3: the upload completed) before the checkpoint says so
    await checkpoint(state, fatal);
    if (fatal !== undefined) throw fatal instanceof Error ? fatal : new Error(`import failed: ${JSON.stringify(fatal)}`);
    return summary(state);
  } finally {
    progress.finish();
    await writes.catch(() => undefined);
    if (!closed) await output.abort().catch(() => undefined);
  }

  function summary(state: CheckpointState): JobSummary {
    return { jobId: options.jobId, kind: 'import', tenantId: options.tenantId, state, counts: { ...counts }, durationMs: Date.now() - started, resumed: previous !== undefined };
  }
}

/** A record's outcome from what `createMany` decided: an existing id is this job's own line, written before a restart. */
function outcomeOf(refused: CreateManyOutcome): Outcome {
  if (refused === undefined) return { kind: 'imported', replayed: false };
  if (refused instanceof NameTakenError) return { kind: 'rejected', reason: refused.message, conflictingEntityId: refused.conflictingEntityId };
  return { kind: 'imported', replayed: true };
}
