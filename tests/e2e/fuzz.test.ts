import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { runFuzz } from '../support/fuzz.ts';

/**
 * The hostile-input suite (tests/support/fuzz.ts) over every documented route of the local stack.
 * `npm test`: a fixed seed and a bounded count; `npm run fuzz -- --runs N --seed S` runs it longer.
 */
const seed = Number(process.env['FUZZ_SEED'] ?? 18);
const runsPerOperation = Number(process.env['FUZZ_RUNS'] ?? 12);
/** Every operation the document declares, counted here on its own: the suite must have covered each. */
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
const documented = Object.values((JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8')) as { paths: Record<string, Record<string, unknown>> }).paths)
  .flatMap((item) => Object.keys(item).filter((method) => HTTP_METHODS.has(method))).length;

describe('hostile input on every route (fast-check, generated from docs/openapi.json)', () => {
  it(`never answers 5xx; every 4xx is problem+json with its status; acknowledged writes read back (seed ${seed}, ${runsPerOperation} requests per operation)`, { timeout: Math.max(120_000, runsPerOperation * documented * 1_000) }, async () => {
    const started = Date.now();
    const report = await runFuzz({ apiUrl: inject('apiUrl'), issuerDir: inject('issuerDir'), seed, runsPerOperation, ...(process.env['FUZZ_ONLY'] && { only: process.env['FUZZ_ONLY'] }) });
    console.info(`fuzz: seed ${seed}, ${report.operations} operations, ${report.requests} requests in ${((Date.now() - started) / 1000).toFixed(1)} s; statuses ${JSON.stringify(report.statuses)}`);
    expect(report.operations).toBe(process.env['FUZZ_ONLY'] ? report.operations : documented);
    expect(documented).toBeGreaterThanOrEqual(18);
    expect(report.failures).toEqual([]);
  });
});
