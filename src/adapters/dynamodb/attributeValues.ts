/**
 * DynamoDB's attribute values as they travel in the JSON protocol (and in stream records), to and
 * from plain JavaScript values. The same mapping as the SDK's util-dynamodb with
 * `removeUndefinedValues` and without `convertClassInstanceToMap`, written for the hot path: a
 * listing unmarshals every item it returns, and util-dynamodb's generic converter costs ~3 µs per
 * entity where this costs well under one (tests/unit/attributeValues.test.ts checks both agree).
 *
 * string ↔ S · number, bigint → N → number (a double, as JSON reads it: the entity API's numbers
 * are JSON numbers, so what was written comes back; util-dynamodb would return a BigInt beyond 2^53,
 * which no JSON response can carry) ·
 * boolean ↔ BOOL · null ↔ NULL · array ↔ L · plain object ↔ M · Uint8Array, ArrayBuffer → B
 * (base64 on the wire) → Uint8Array · Set of strings, numbers or binaries ↔ SS, NS, BS.
 * `undefined` members and list elements are left out; any other value (a Date, a class
 * instance, a function) is refused.
 */
export type AttributeValue =
  | { readonly S: string }
  | { readonly N: string }
  | { readonly BOOL: boolean }
  | { readonly NULL: true }
  | { readonly M: AttributeMap }
  | { readonly L: readonly AttributeValue[] }
  | { readonly B: string }
  | { readonly SS: readonly string[] }
  | { readonly NS: readonly string[] }
  | { readonly BS: readonly string[] };
export type AttributeMap = { readonly [name: string]: AttributeValue };

/** A plain object as an attribute map (an item, a key, expression values). */
export function toAttributeMap(item: object): AttributeMap {
  if (!isPlainObject(item)) throw new TypeError(`An item must be a plain object, not ${describe(item)}.`);
  return mapOf(item as Record<string, unknown>, '');
}

/** An attribute map (an item, a key, a stream image) as a plain object. */
export function fromAttributeMap(map: AttributeMap): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const name in map) result[name] = fromAttributeValue(map[name]!, name);
  return result;
}

function mapOf(object: Record<string, unknown>, path: string): AttributeMap {
  const map: Record<string, AttributeValue> = {};
  for (const name in object) {
    if (!Object.hasOwn(object, name)) continue;
    const value = object[name];
    if (value !== undefined) map[name] = toAttributeValue(value, path === '' ? name : `${path}.${name}`);
  }
  return map;
}

export function toAttributeValue(value: unknown, path = '(value)'): AttributeValue {
  switch (typeof value) {
    case 'string':
      return { S: value };
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} cannot be stored in DynamoDB (numbers must be finite).`);
      return { N: String(value) };
    case 'bigint':
      return { N: value.toString() };
    case 'boolean':
      return { BOOL: value };
    case 'object': {
      if (value === null) return { NULL: true };
      if (Array.isArray(value)) {
        const list: AttributeValue[] = [];
        for (let i = 0; i < value.length; i++) if (value[i] !== undefined) list.push(toAttributeValue(value[i], `${path}[${i}]`));
        return { L: list };
      }
      if (isPlainObject(value)) return { M: mapOf(value as Record<string, unknown>, path) };
      if (value instanceof Uint8Array || value instanceof ArrayBuffer) return { B: base64(value) };
      if (value instanceof Set) return setOf(value as Set<unknown>, path);
      break;
    }
  }
  throw new TypeError(`${path}: ${describe(value)} cannot be stored in DynamoDB; convert it to a string, number, boolean, array or plain object first.`);
}

function setOf(set: Set<unknown>, path: string): AttributeValue {
  if (set.size === 0) throw new TypeError(`${path}: DynamoDB stores no empty sets.`);
  const values = [...set];
  if (values.every((v) => typeof v === 'string')) return { SS: values };
  if (values.every((v) => typeof v === 'number' || typeof v === 'bigint')) return { NS: values.map((v) => (toAttributeValue(v, path) as { N: string }).N) };
  if (values.every((v) => v instanceof Uint8Array || v instanceof ArrayBuffer)) return { BS: values.map((v) => base64(v)) };
  throw new TypeError(`${path}: a set must hold only strings, only numbers or only binaries.`);
}

/**
 * A list element's path is `path[index]`, built only to name a bad value or a nested list's
 * elements: never for every element of a listing's items.
 */
function fromAttributeValue(value: AttributeValue, path: string, index?: number): unknown {
  if ('S' in value) return value.S;
  if ('N' in value) return Number(value.N);
  if ('BOOL' in value) return value.BOOL;
  if ('NULL' in value) return null;
  if ('M' in value) return fromAttributeMap(value.M);
  if ('L' in value) {
    const elementsPath = index === undefined ? path : `${path}[${index}]`;
    return value.L.map((element, i) => fromAttributeValue(element, elementsPath, i));
  }
  if ('B' in value) return bytesOf(value.B);
  if ('SS' in value) return new Set(value.SS);
  if ('NS' in value) return new Set(value.NS.map(Number));
  if ('BS' in value) return new Set(value.BS.map(bytesOf));
  throw new TypeError(`${index === undefined ? path : `${path}[${index}]`}: an attribute value of an unknown type (${Object.keys(value).join(', ')}).`);
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function base64(bytes: Uint8Array | ArrayBuffer): string {
  return (bytes instanceof ArrayBuffer ? Buffer.from(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('base64');
}

function bytesOf(text: string): Uint8Array {
  const buffer = Buffer.from(text, 'base64');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return typeof value;
  return `a ${(Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'object'}`;
}
