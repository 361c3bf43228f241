import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { firstInexactNumber, inexactNumberMessage } from '../domain/exactNumbers.ts';
import { SERVER_OWNED_FIELDS } from '../domain/parseInput.ts';

export type InputFormat = 'ndjson' | 'csv';

/** One input line: its 1-based line number in the file and the record it holds (or why it holds none). */
export type InputRecord = { readonly line: number; readonly text: string } & ({ readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string });

export function formatOf(file: string, explicit?: string): InputFormat {
  if (explicit === 'csv' || explicit === 'ndjson') return explicit;
  if (explicit !== undefined) throw new Error(`--format must be ndjson or csv, not "${explicit}"`);
  return /\.csv$/i.test(file) ? 'csv' : 'ndjson';
}

/** The input's lines, streamed (memory stays flat), numbered from 1; `\r\n` endings are accepted. */
export async function* readLines(input: Readable): AsyncGenerator<{ line: number; text: string }> {
  input.setEncoding('utf8');
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line += 1;
      yield { line, text };
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

/** How many records the input holds (non-blank lines, minus the CSV header): the progress total. */
export async function countRecords(input: Readable, format: InputFormat): Promise<number> {
  let n = 0;
  for await (const { text } of readLines(input)) if (text.trim() !== '') n += 1;
  return format === 'csv' ? Math.max(0, n - 1) : n;
}

/**
 * The file's records. NDJSON: one JSON value per line. CSV: a header row, then one record per
 * line; `name` and `visibility` columns are the entity's, every other column becomes an attribute
 * (empty cells are left out). Fields may be quoted ("a, b" and "say ""hi"""), but a record cannot
 * span lines. Blank lines are skipped. Server-owned fields (an export's `id`, `version`, …) are
 * dropped, so an export file imports as it is.
 */
export async function* readRecords(input: Readable, format: InputFormat): AsyncGenerator<InputRecord> {
  let header: string[] | undefined;
  for await (const { line, text } of readLines(input)) {
    if (text.trim() === '') continue;
    if (format === 'ndjson') {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        yield { line, text, ok: false, reason: `not valid JSON: ${(error as Error).message}` };
        continue;
      }
      const inexact = firstInexactNumber(text);
      yield inexact === undefined ? { line, text, ok: true, value: withoutServerFields(value) } : { line, text, ok: false, reason: inexactNumberMessage(inexact) };
      continue;
    }
    const cells = parseCsvLine(text);
    if (!cells.ok) {
      yield { line, text, ok: false, reason: cells.reason };
      continue;
    }
    if (!header) {
      header = cells.cells.map((c) => c.trim());
      continue;
    }
    if (cells.cells.length !== header.length) {
      yield { line, text, ok: false, reason: `has ${cells.cells.length} fields, the header has ${header.length}` };
      continue;
    }
    yield { line, text, ok: true, value: csvRecord(header, cells.cells) };
  }
}

function withoutServerFields(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const field of SERVER_OWNED_FIELDS) delete copy[field];
  return copy;
}

function csvRecord(header: readonly string[], cells: readonly string[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  const attributes: Record<string, string> = {};
  header.forEach((column, i) => {
    const cell = cells[i] ?? '';
    if (column === 'name') record['name'] = cell;
    else if (column === 'visibility') {
      if (cell !== '') record['visibility'] = cell;
    } else if (!(SERVER_OWNED_FIELDS as readonly string[]).includes(column) && cell !== '') attributes[column] = cell;
  });
  return { ...record, attributes };
}

/** RFC 4180 fields of one line. */
export function parseCsvLine(text: string): { ok: true; cells: string[] } | { ok: false; reason: string } {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    let cell = '';
    if (text[i] === '"') {
      i += 1;
      for (;;) {
        if (i >= text.length) return { ok: false, reason: 'a quoted CSV field is not closed on its line' };
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
          } else {
            i += 1;
            break;
          }
        } else cell += text[i++];
      }
      if (i < text.length && text[i] !== ',') return { ok: false, reason: `unexpected character after a quoted CSV field at column ${i + 1}` };
    } else {
      const end = text.indexOf(',', i);
      cell = end === -1 ? text.slice(i) : text.slice(i, end);
      i = end === -1 ? text.length : end;
    }
    cells.push(cell);
    if (i >= text.length) return { ok: true, cells };
    i += 1; // the comma
  }
}
