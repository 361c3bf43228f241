/** What a running job reports: records done so far (of `total` when known) and its counts. */
export interface ProgressSnapshot {
  readonly done: number;
  readonly total?: number | undefined;
  readonly counts: Readonly<Record<string, number>>;
}

export interface ProgressReporter {
  update(snapshot: ProgressSnapshot): void;
  finish(): void;
}

export const silentProgress: ProgressReporter = { update: () => undefined, finish: () => undefined };

interface Output {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * On a terminal: one line rewritten in place (records/s, done/total, ETA) at most 5 times a second.
 * Otherwise (ECS, CI, a pipe): a plain log line every `intervalMs`.
 */
export function consoleProgress(label: string, out: Output = process.stderr, options: { intervalMs?: number; now?: () => number } = {}): ProgressReporter {
  const now = options.now ?? Date.now;
  const tty = out.isTTY === true;
  const interval = tty ? 200 : (options.intervalMs ?? 10_000);
  const started = now();
  let last = 0;
  let latest: ProgressSnapshot | undefined;
  const render = (s: ProgressSnapshot): string => {
    const seconds = Math.max((now() - started) / 1000, 0.001);
    const rate = s.done / seconds;
    const of = s.total === undefined ? `${s.done}` : `${s.done}/${s.total}`;
    const pct = s.total ? ` ${((100 * s.done) / s.total).toFixed(1)}%` : '';
    const eta = s.total !== undefined && rate > 0 ? ` ETA ${formatDuration(((s.total - s.done) / rate) * 1000)}` : '';
    const counts = Object.entries(s.counts).map(([k, v]) => `${k} ${v}`).join(', ');
    return `${label}: ${of}${pct}, ${rate.toFixed(0)} records/s${eta}${counts ? ` (${counts})` : ''}`;
  };
  return {
    update(snapshot) {
      latest = snapshot;
      const t = now();
      if (t - last < interval) return;
      last = t;
      out.write(tty ? `\r\x1b[2K${render(snapshot)}` : `${new Date(t).toISOString()} ${render(snapshot)}\n`);
    },
    finish() {
      if (tty && latest) out.write(`\r\x1b[2K${render(latest)}\n`);
    },
  };
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
