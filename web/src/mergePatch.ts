type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The JSON Merge Patch (RFC 7396) that turns `from` into `to`: changed members as they are now,
 * removed members as `null`, objects diffed member by member, anything else replaced whole.
 * `undefined` when nothing changed.
 */
export function mergePatchBetween(from: unknown, to: unknown): Json | undefined {
  if (!isObject(from) || !isObject(to)) return JSON.stringify(from) === JSON.stringify(to) ? undefined : (to as Json);
  const patch: Record<string, Json> = {};
  for (const key of Object.keys(from)) if (!(key in to)) patch[key] = null;
  for (const [key, value] of Object.entries(to)) {
    if (!(key in from)) patch[key] = value;
    else {
      const member = mergePatchBetween(from[key], value);
      if (member !== undefined) patch[key] = member;
    }
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}
