import { describe, expect, it } from 'vitest';
import { deterministicId } from '../../../src/worker/resume.ts';
import { describeSummary } from '../../../src/worker/jobSummary.ts';
import { consoleProgress } from '../../../src/worker/progress.ts';
import { Readable } from 'node:stream';
import { createEntitySchema, entityIdSchema } from '../../../src/domain/entitySchemas.ts';
import { parseCsvLine, readRecords } from '../../../src/worker/records.ts';

describe('worker helpers', () => {
  it('derives one valid UUID per job and line', () => {
    const a = deterministicId('job-1', 7);
    expect(entityIdSchema.safeParse(a).success).toBe(true);
    expect(deterministicId('job-1', 7)).toBe(a);
    expect(new Set([a, deterministicId('job-1', 8), deterministicId('job-2', 7)]).size).toBe(3);
  });

  it('parses RFC 4180 fields of a line', () => {
    expect(parseCsvLine('a,"b, c","say ""hi""",,e')).toEqual({ ok: true, cells: ['a', 'b, c', 'say "hi"', '', 'e'] });
    expect(parseCsvLine('"open')).toMatchObject({ ok: false });
    expect(parseCsvLine('"a"b')).toMatchObject({ ok: false });
  });

  it('reports progress as a rewritten line on a terminal and as periodic log lines otherwise', () => {
    let t = 0;
    const tty: string[] = [];
    const onTerminal = consoleProgress('import j', { isTTY: true, write: (s: string) => tty.push(s) }, { now: () => t });
    t = 2_000;
    onTerminal.update({ done: 50, total: 200, counts: { imported: 45, rejected: 5 } });
    onTerminal.finish();
    expect(tty[0]).toBe('\r\x1b[2Kimport j: 50/200 25.0%, 25 records/s ETA 6s (imported 45, rejected 5)');
    expect(tty.at(-1)!.endsWith('\n')).toBe(true);

    const logged: string[] = [];
    const onPipe = consoleProgress('export j', { isTTY: false, write: (s: string) => logged.push(s) }, { now: () => t, intervalMs: 10_000 });
    t = 12_000;
    onPipe.update({ done: 10, counts: {} });
    t = 15_000;
    onPipe.update({ done: 20, counts: {} }); // within the interval: not logged
    t = 22_001;
    onPipe.update({ done: 30, counts: {} });
    onPipe.finish();
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatch(/^\S+Z export j: 10, 1 records\/s\n$/);
  });

  it('summarises a job in one line', () => {
    expect(describeSummary({ jobId: 'j', kind: 'import', tenantId: 't', state: 'interrupted', counts: { imported: 3, rejected: 1 }, durationMs: 65_000, resumed: true })).toBe(
      'import j interrupted (resumed): imported 3, rejected 1; 1m05s — rerun with --job j to continue',
    );
  });
});

describe('imported records obey the one text rule (issue 18)', () => {
  it('a record whose strings hold NUL, a lone surrogate or (in a name) a bidirectional control is refused with the pointer of the value', async () => {
    const ndjson = [
      JSON.stringify({ name: 'ok', attributes: { note: 'tab\tand\nnewline' } }),
      '{"name":"nul","attributes":{"note":"a\\u0000b"}}',
      '{"name":"surrogate","attributes":{"deep":["\\ud800"]}}',
      JSON.stringify({ name: 'abc\u202edcba' }),
    ].join('\n');
    const outcomes: (readonly string[] | 'ok')[] = [];
    for await (const record of readRecords(Readable.from([ndjson]), 'ndjson')) {
      const parsed = createEntitySchema.safeParse(record.ok ? record.value : undefined);
      outcomes.push(parsed.success ? 'ok' : parsed.error.issues.map((i) => `/${i.path.join('/')}`));
    }
    expect(outcomes).toEqual(['ok', ['/attributes/note'], ['/attributes/deep/0'], ['/name']]);
    const csv = 'name,note\nfine,plain\nbad,"x\u0000y"\n';
    const cells: boolean[] = [];
    for await (const record of readRecords(Readable.from([csv]), 'csv')) cells.push(createEntitySchema.safeParse(record.ok ? record.value : undefined).success);
    expect(cells).toEqual([true, false]);
  });
});
