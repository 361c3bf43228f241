import type { FieldIssue } from './errors.ts';
import { textProblem } from './text.ts';

export const ATTRIBUTE_LIMITS = {
  maxDepth: 10,
  maxSerializedBytes: 64 * 1024,
  maxKeyLength: 128,
  /** The range of numbers the source of truth (DynamoDB) can store. */
  maxNumberMagnitude: 9.9e125,
  minNumberMagnitude: 1e-130,
} as const;

/** A plain name: letters, digits, `_` and `-`, starting with a letter or `_`. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function pointer(path: readonly string[]): string {
  return '/' + path.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
}

/**
 * Checks an attributes document (or a merge patch of one, where `null` means "remove").
 * Returns every problem found, each with the path to fix, rather than stopping at the first.
 */
export function checkAttributes(value: unknown, basePath: readonly string[] = ['attributes']): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!isPlainObject(value)) {
    return [{ path: pointer(basePath), message: 'attributes must be a JSON object, e.g. {"colour": "red"}' }];
  }
  walk(value, basePath, 1, issues);
  if (issues.length === 0) {
    const bytes = new TextEncoder().encode(JSON.stringify(value)).byteLength;
    if (bytes > ATTRIBUTE_LIMITS.maxSerializedBytes) {
      issues.push({
        path: pointer(basePath),
        message: `attributes serialize to ${bytes} bytes; the limit is ${ATTRIBUTE_LIMITS.maxSerializedBytes} bytes (64 KiB)`,
      });
    }
  }
  return issues;
}

function walk(value: unknown, path: readonly string[], depth: number, issues: FieldIssue[]): void {
  if (issues.length >= 20) return;
  if (Array.isArray(value) || isPlainObject(value)) {
    if (depth > ATTRIBUTE_LIMITS.maxDepth) {
      issues.push({ path: pointer(path), message: `attributes nest deeper than ${ATTRIBUTE_LIMITS.maxDepth} levels; flatten this value` });
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, [...path, String(index)], depth + 1, issues));
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(key)) {
        issues.push({ path: pointer([...path, key]), message: `"${key}" is a reserved name and cannot be an attribute key` });
      } else if (!PLAIN_KEY.test(key) || key.length > ATTRIBUTE_LIMITS.maxKeyLength) {
        issues.push({
          path: pointer([...path, key]),
          message: `attribute keys must be plain names (letters, digits, "_" or "-", starting with a letter or "_", at most ${ATTRIBUTE_LIMITS.maxKeyLength} characters)`,
        });
      } else {
        walk(child, [...path, key], depth + 1, issues);
      }
    }
    return;
  }
  if (typeof value === 'number') {
    const magnitude = Math.abs(value);
    if (!Number.isFinite(value) || magnitude > ATTRIBUTE_LIMITS.maxNumberMagnitude || (magnitude !== 0 && magnitude < ATTRIBUTE_LIMITS.minNumberMagnitude)) {
      issues.push({ path: pointer(path), message: 'numbers must be 0 or have a magnitude from 1e-130 to 9.9e125; send larger or smaller values as strings' });
    }
    return;
  }
  if (typeof value === 'string') {
    const problem = textProblem(value, 'text');
    if (problem !== undefined) issues.push({ path: pointer(path), message: `strings ${problem}` });
    return;
  }
  const ok = value === null || typeof value === 'boolean';
  if (!ok) issues.push({ path: pointer(path), message: 'attribute values must be JSON: string, number, boolean, null, array or object' });
}
