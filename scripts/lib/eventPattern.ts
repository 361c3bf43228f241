/**
 * EventBridge / Lambda event-filter pattern matching, for the parts of the pattern language the
 * project's templates use: a field's value is a list of allowed values (the event's value, or
 * any element of it when it is a list, must equal one), and nested objects match recursively.
 * Anything else in a pattern is refused loudly rather than matched wrongly.
 */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  if (!isObject(pattern)) throw new Error(`Unsupported event pattern: ${JSON.stringify(pattern)}`);
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = isObject(event) ? event[key] : undefined;
    if (Array.isArray(expected)) {
      if (expected.some((v) => isObject(v))) throw new Error(`Unsupported event pattern operator in ${key}: ${JSON.stringify(expected)}`);
      const values = Array.isArray(actual) ? actual : [actual];
      return values.some((v) => expected.includes(v));
    }
    return matchesPattern(expected, actual);
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
