/**
 * JSON numbers that JavaScript cannot hold exactly. `JSON.parse` turns every number into a double:
 * `12345678901234567891` becomes 12345678901234567000 without a word. A double holds any decimal
 * of up to 15 significant digits exactly, so only a longer run of digits can be changed by parsing.
 */
const LONG_DIGIT_RUN = /\d[\d.]{15}/;

/** A decimal's value as (significant digits, exponent of the last digit): equal forms are equal numbers. */
function canonical(text: string): string {
  const match = /^-?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return text;
  const [, whole = '', fraction = '', exponent = '0'] = match;
  let digits = `${whole}${fraction}`.replace(/^0+/, '');
  if (digits === '') return '0';
  let scale = Number(exponent) - fraction.length;
  const trailing = /0+$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trailing);
  scale += trailing;
  return `${text.startsWith('-') ? '-' : ''}${digits}e${scale}`;
}

/**
 * The first number in the JSON `text` whose decimal value the parsed double does not equal (its
 * source text, e.g. `"12345678901234567891"`), or `undefined` when every number survives parsing
 * exactly. `text` must be valid JSON. Cheap for ordinary documents: only text with a run of 16 or
 * more digits is parsed again, with the source of each number (Node's JSON.parse source access).
 */
export function firstInexactNumber(text: string): string | undefined {
  if (!LONG_DIGIT_RUN.test(text)) return undefined;
  let found: string | undefined;
  JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => {
    if (found === undefined && typeof value === 'number' && context?.source !== undefined && canonical(context.source) !== canonical(String(value))) found = context.source;
    return value;
  });
  return found;
}

/** What to tell a caller who sent such a number. */
export function inexactNumberMessage(source: string): string {
  return `the number ${source.length > 40 ? `${source.slice(0, 40)}…` : source} has more significant digits than a JSON number can carry exactly here (about 15–17); send it as a string`;
}
