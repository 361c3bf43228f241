import { randomFillSync } from 'node:crypto';

/** A sampled invocation's place in its trace: the trace id and the id of the segment to hang subsegments under. */
export interface TraceContext {
  readonly traceId: string;
  readonly parentId: string;
}

const SAMPLED = /(?:^|;)\s*Sampled\s*=\s*1\s*(?:;|$)/;

/**
 * The trace context of `header` (`Root=1-…;Parent=…;Sampled=1`, as Lambda passes it), or
 * `undefined` when the header is missing, incomplete or not sampled: nothing is recorded then.
 */
export function sampledTraceOf(header: string | undefined): TraceContext | undefined {
  // Most invocations are not sampled (1 a second and 5 % beyond): no parsing for them.
  if (!header || !SAMPLED.test(header)) return undefined;
  let traceId: string | undefined;
  let parentId: string | undefined;
  let sampled = false;
  for (const field of header.split(';')) {
    const separator = field.indexOf('=');
    const key = field.slice(0, separator).trim();
    const value = field.slice(separator + 1).trim();
    if (key === 'Root') traceId = value;
    else if (key === 'Parent') parentId = value;
    else if (key === 'Sampled') sampled = value === '1';
  }
  return sampled && traceId && parentId ? { traceId, parentId } : undefined;
}

// Ids are 64 random bits in 16 hex digits; drawn from a pool so that a subsegment costs no system call.
const idPool = Buffer.alloc(8 * 128);
let idOffset = idPool.length;
function newId(): string {
  if (idOffset === idPool.length) {
    randomFillSync(idPool);
    idOffset = 0;
  }
  idOffset += 8;
  return idPool.toString('hex', idOffset - 8, idOffset);
}

// Epoch seconds with sub-millisecond precision: the monotonic clock from the process's start
// (`timeOrigin`, itself sub-millisecond), checked against the wall clock at every invocation
// (`anchorClock`) so that a long-lived container follows clock corrections. Date.now() has whole
// milliseconds: only a drift beyond that moves the anchor, else consecutive invocations would
// jitter by up to a millisecond.
let clockOffsetMs = performance.timeOrigin;
export function anchorClock(): void {
  const drift = Date.now() + 0.5 - (clockOffsetMs + performance.now());
  if (Math.abs(drift) > 1.5) clockOffsetMs += drift;
}
const epochSeconds = () => (clockOffsetMs + performance.now()) / 1000;

/** A UDP datagram carries at most 64 KB; the daemon's header line takes a few bytes of it. */
export const MAX_DOCUMENT_BYTES = 63 * 1024;
const MAX_MESSAGE_CHARS = 1024;
const MAX_STACK_FRAMES = 10;

interface StackFrame {
  readonly path: string;
  readonly line: number;
  readonly label: string;
}

interface ExceptionRecord {
  readonly id: string;
  readonly type: string;
  readonly message: string;
  readonly remote?: true;
  readonly stack?: StackFrame[];
  readonly truncated?: number;
}

/** An exception as X-Ray records it: its type, its message (cut), and for our own errors the first frames of the stack. */
function exceptionOf(error: unknown, remote: boolean): ExceptionRecord {
  const type = (error instanceof Error ? error.name : typeof error).slice(0, 200);
  const text = error instanceof Error ? error.message : String(error);
  const message = text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
  if (remote) return { id: newId(), type, message, remote: true };
  const frames = error instanceof Error && error.stack ? stackFramesOf(error.stack) : [];
  const stack = frames.slice(0, MAX_STACK_FRAMES);
  return { id: newId(), type, message, ...(stack.length > 0 && { stack }), ...(frames.length > stack.length && { truncated: frames.length - stack.length }) };
}

const FRAME = /^\s*at (?:(.*?) \()?(.*?):(\d+):\d+\)?$/;
function stackFramesOf(stack: string): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const line of stack.split('\n')) {
    const match = FRAME.exec(line);
    if (match) frames.push({ label: (match[1] ?? 'anonymous').slice(0, 200), path: match[2]!.slice(-200), line: Number(match[3]) });
  }
  return frames;
}

/** One unit of timed work under a trace: the invocation, one AWS SDK call, or a named block. */
export class Subsegment {
  readonly id = newId();
  readonly name: string;
  readonly trace: TraceContext;
  readonly startTime = epochSeconds();
  endTime: number | undefined;
  namespace: 'aws' | 'remote' | undefined;
  annotations: Record<string, string | number | boolean> | undefined;
  aws: Record<string, string | number> | undefined;
  http: { response: { status: number } } | undefined;
  error = false;
  throttle = false;
  fault = false;
  #exceptions: ExceptionRecord[] | undefined;

  constructor(name: string, trace: TraceContext) {
    this.name = name.slice(0, 200);
    this.trace = trace;
  }

  /** The trace context of the work done inside this subsegment (its children's parent). */
  get context(): TraceContext {
    return { traceId: this.trace.traceId, parentId: this.id };
  }

  get ended(): boolean {
    return this.endTime !== undefined;
  }

  annotate(key: string, value: string | number | boolean): void {
    (this.annotations ??= {})[key] = value;
  }

  /** Flags from a response status: 429 throttle and error, other 4xx error, 5xx fault. */
  flagStatus(status: number): void {
    if (status === 429) this.throttle = true;
    if (status >= 400 && status < 500) this.error = true;
    else if (status >= 500) this.fault = true;
  }

  /** Records `error` as the cause; `remote` when a downstream service raised it. */
  addCause(error: unknown, remote = false): void {
    (this.#exceptions ??= []).push(exceptionOf(error, remote));
  }

  end(): void {
    this.endTime ??= epochSeconds();
  }

  /** The document the daemon forwards: this subsegment alone, linked to its parent by `parent_id`. */
  toDocument(): string {
    const document: Record<string, unknown> = {
      type: 'subsegment',
      id: this.id,
      trace_id: this.trace.traceId,
      parent_id: this.trace.parentId,
      name: this.name,
      start_time: this.startTime,
      end_time: this.endTime ?? epochSeconds(),
    };
    // Members only when set, in one shape per kind of subsegment (no spreads of temporary objects).
    if (this.namespace) document['namespace'] = this.namespace;
    if (this.annotations) document['annotations'] = this.annotations;
    if (this.aws) document['aws'] = this.aws;
    if (this.http) document['http'] = this.http;
    if (this.error) document['error'] = true;
    if (this.throttle) document['throttle'] = true;
    if (this.fault) document['fault'] = true;
    if (this.#exceptions) document['cause'] = { working_directory: process.cwd(), exceptions: this.#exceptions };
    const text = JSON.stringify(document);
    if (!this.#exceptions || Buffer.byteLength(text) <= MAX_DOCUMENT_BYTES) return text;
    // Only a cause can grow a document this far: keep each exception's type and the start of its message.
    const exceptions = this.#exceptions.map(({ id, type, message }) => ({ id, type, message: message.slice(0, 256) }));
    return JSON.stringify({ ...document, cause: { exceptions } });
  }
}
