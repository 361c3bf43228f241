/**
 * One rule for text, wherever a caller's string can reach PostgreSQL (jsonb and text refuse NUL
 * and lone surrogates), Redis keys, events or logs: names, attribute string values at any depth,
 * query parameters, imported records.
 *
 * - Every string must be valid Unicode: scalar values only, no lone surrogate (`"\ud800"`).
 * - Free text (attribute values, search text) may hold tab and newline, but no other C0 control
 *   (U+0000–U+001F): NUL above all.
 * - Names hold no control character at all (C0, DEL, C1), and no format character (Unicode
 *   category Cf: zero-width spaces and joiners, bidirectional controls, the BOM, the soft hyphen),
 *   so two names that look alike are alike; names are stored and compared in NFC.
 */

export type TextKind = 'name' | 'text';

/** C0 controls other than tab (U+0009) and newline (U+000A). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const C0_EXCEPT_TAB_NEWLINE = /[\u0000-\u0008\u000B-\u001F]/u;
/** Control (Cc: C0, DEL, C1) and format (Cf: zero-width, bidirectional controls, BOM, soft hyphen…) characters. */
const NAME_FORBIDDEN = /[\p{Cc}\p{Cf}]/u;

const codePoint = (s: string, index: number): string => `U+${s.codePointAt(index)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** What is wrong with `value` as text of this kind (a message that says what to fix), or `undefined` when it is acceptable. */
export function textProblem(value: string, kind: TextKind): string | undefined {
  if (!value.isWellFormed()) {
    const at = value.search(/\p{Surrogate}/u);
    return `must be valid Unicode: a lone surrogate (${codePoint(value, at)}) at character ${at + 1} is not a character; send the text as UTF-8`;
  }
  const forbidden = kind === 'name' ? NAME_FORBIDDEN : C0_EXCEPT_TAB_NEWLINE;
  const at = value.search(forbidden);
  if (at < 0) return undefined;
  return kind === 'name'
    ? `must not contain control characters or invisible formatting characters (zero-width, bidirectional controls): ${codePoint(value, at)} at character ${at + 1}`
    : `must not contain control characters other than tab and newline: ${codePoint(value, at)} at character ${at + 1}`;
}

/** Whether `value` is acceptable text of this kind. */
export const isAcceptableText = (value: string, kind: TextKind): boolean => textProblem(value, kind) === undefined;
