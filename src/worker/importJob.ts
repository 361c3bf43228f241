import { normalizeName } from '../domain/entity.ts';
import { createEntitySchema, type CreateEntityInput } from '../domain/entitySchemas.ts';
import { EntityService } from '../domain/entityService.ts';
import { ConflictError, NameTakenError, ValidationError, type FieldIssue } from '../domain/errors.ts';
import type { Clock, EntityRepository } from '../domain/ports.ts';
import { SCOPES, type Principal } from '../domain/principal.ts';
import type { Checkpoint, CheckpointStore, JobState } from './checkpoints.ts';
import { deterministicId, resumePoint, withRetries, type JobSummary } from './job.ts';
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
  /** Records written at the same time (default 16). */
  readonly concurrency?: number;
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

/** At most this many records (per concurrent slot) may wait behind a slow one for their turn to be counted. */
const WINDOW_PER_SLOT = 8;

/**
 * Imports a file into a tenant through the entity service, as the API would create each record
 * (same schema, same rules: the tenant from the principal, unique names, version 1).
 *
 * Outcomes are counted, and rejects written, strictly in line order, so "everything up to line N"
 * is always a consistent state: the checkpoint records N, the counts and the rejects file's
 * length at N. A restart skips lines up to N, cuts the rejects file back to its length at N and
 * continues. Lines after N that had already been written before the stop are recognised by their
 * deterministic id (job id + line) and count as imported, never twice. Records with the same name
 * are written one after the other in line order, so which of them wins does not depend on timing.
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
  const concurrency = options.concurrency ?? 16;
  const window = concurrency * WINDOW_PER_SLOT;
  const order: number[] = [];
  const outcomes = new Map<number, Outcome>();
  const inFlight = new Set<Promise<void>>();
  const nameTails = new Map<string, Promise<unknown>>();
  let fatal: unknown;

  const checkpoint = async (state: JobState, error?: unknown) => {
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
    await withRetries(() => deps.checkpoints.save(snapshot));
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

  const importOne = async (record: InputRecord): Promise<Outcome> => {
    if (!record.ok) return { kind: 'rejected', reason: record.reason };
    const parsed = createEntitySchema.safeParse(record.value);
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => ({ path: '/' + i.path.map(String).join('/'), message: i.message }));
      return { kind: 'rejected', reason: 'invalid record', errors };
    }
    const input: CreateEntityInput = parsed.data;
    const id = deterministicId(options.jobId, record.line);
    const service = new EntityService({ repository: deps.repository, clock: deps.clock, ids: { newId: () => id } });
    // Same-name records go one after the other, in line order.
    const key = normalizeName(input.name);
    const before = nameTails.get(key) ?? Promise.resolve();
    const mine = before.then(async (): Promise<Outcome> => {
      try {
        await withRetries(() => service.create(principal, input));
        return { kind: 'imported', replayed: false };
      } catch (error) {
        if (error instanceof NameTakenError) return { kind: 'rejected', reason: error.message, conflictingEntityId: error.conflictingEntityId };
        // The id is this job's line: the line was written before a restart.
        if (error instanceof ConflictError) return { kind: 'imported', replayed: true };
        if (error instanceof ValidationError) return { kind: 'rejected', reason: error.message, errors: error.issues };
        throw error;
      }
    });
    const tail = mine.catch(() => undefined);
    nameTails.set(key, tail);
    try {
      return await mine;
    } finally {
      if (nameTails.get(key) === tail) nameTails.delete(key);
    }
  };

  let closed = false;
  let lastCheckpointLine = watermark;
  let lastCheckpointAt = Date.now();
  try {
    for await (const record of readRecords(await deps.files.read(options.file), options.format)) {
      if (record.line <= startLine) continue;
      while (fatal === undefined && !options.signal?.aborted && (inFlight.size >= concurrency || order.length >= window)) await Promise.race(inFlight);
      if (fatal !== undefined || options.signal?.aborted) break;
      order.push(record.line);
      const task: Promise<void> = importOne(record).then(
        (outcome) => {
          outcomes.set(record.line, outcome);
          flush();
        },
        (error: unknown) => {
          fatal ??= error;
        },
      );
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
      if (watermark - lastCheckpointLine >= (options.checkpointEvery ?? 500) || Date.now() - lastCheckpointAt >= (options.checkpointMs ?? 5_000)) {
        lastCheckpointLine = watermark;
        lastCheckpointAt = Date.now();
        await checkpoint('running');
      }
    }
    await Promise.all(inFlight);
    const state: JobState = fatal !== undefined ? 'failed' : options.signal?.aborted ? 'interrupted' : 'completed';
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

  function summary(state: JobState): JobSummary {
    return { jobId: options.jobId, kind: 'import', tenantId: options.tenantId, state, counts: { ...counts }, durationMs: Date.now() - started, resumed: previous !== undefined };
  }
}
