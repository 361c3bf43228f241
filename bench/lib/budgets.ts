/**
 * The bench's budgets and the pure arithmetic that judges a figure against one (unit-tested with
 * fixed inputs: tests/unit/bench/budgets.test.ts). Cold start is judged relative to the reference
 * (bench/reference/getEntity.ts) measured in the same run, never against a fixed number of
 * milliseconds: the machine is shared and its speed varies from run to run.
 */
export const BUDGET = {
  /** An HTTP function's cold-init delta over bare `node`, as a share of the reference's. */
  httpColdInitRatio: 0.7,
  /** The authorizer's, likewise. */
  authorizerColdInitRatio: 0.4,
  /** Median of our own code per warm invocation (the stores answered in-process). */
  warmMedianUs: 100,
  warmP99Us: 500,
  /** A cache hit through the handler against a raw GET with the same Redis client. */
  cacheHitRatio: 1.5,
  projectorSpeedup: 10,
  projectorEventsPerSecond: 20_000,
} as const;

export interface Verdict {
  /** The budget as printed, e.g. `≤ 0.7× reference`. */
  readonly budget: string;
  readonly pass: boolean;
  /** The measured ratio, when the budget is one. */
  readonly ratio?: number;
}

/** `value / reference` against `limit` (pass when the ratio is at most the limit). A reference of 0 or less cannot judge anything. */
export function ratioAtMost(value: number, reference: number, limit: number, of: string): Verdict {
  if (!(reference > 0) || !Number.isFinite(value)) throw new Error(`bench: cannot take a ratio of ${value} over ${reference} (${of})`);
  const ratio = value / reference;
  return { budget: `≤ ${limit}× ${of}`, pass: ratio <= limit, ratio };
}

/** `value` against an absolute `limit` in `unit`. */
export function atMost(value: number, limit: number, unit: string): Verdict {
  return { budget: `≤ ${limit} ${unit}`, pass: value <= limit };
}

/** What a figure's trigger makes it: the budgets differ for the API's functions and its authorizer; the others are reported only. */
export type FunctionKind = 'http' | 'authorizer' | 'other';

/** The cold-init verdict of one function: its delta over bare `node` against the reference's delta, or none for a function with no budget. */
export function coldInitVerdict(kind: FunctionKind, deltaMs: number, referenceDeltaMs: number): Verdict | undefined {
  if (kind === 'other') return undefined;
  const limit = kind === 'authorizer' ? BUDGET.authorizerColdInitRatio : BUDGET.httpColdInitRatio;
  return ratioAtMost(deltaMs, referenceDeltaMs, limit, 'reference');
}

/** PASS, FAIL, or nothing for a figure without a budget. */
export function verdictLabel(verdict: Verdict | undefined): string {
  return verdict === undefined ? '' : verdict.pass ? 'PASS' : 'FAIL';
}
