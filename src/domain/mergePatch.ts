import type { JsonValue } from './entity.ts';
import { isPlainObject } from './attributes.ts';

/** JSON Merge Patch (RFC 7396): objects merge recursively, `null` removes a member, anything else replaces. */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, JsonValue> = isPlainObject(target) ? { ...(target as Record<string, JsonValue>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = applyMergePatch(result[key], value);
    }
  }
  return result;
}
