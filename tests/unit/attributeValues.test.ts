import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { fromAttributeMap, toAttributeMap, toAttributeValue, type AttributeMap } from '../../src/adapters/dynamodb/attributeValues.ts';

/**
 * Our attribute-value conversion against the SDK's util-dynamodb (the reference, with the options
 * lib-dynamodb's document client was used with), on the wire shape: the SDK keeps binaries as
 * bytes until its serializer base64-encodes them; the JSON protocol carries base64.
 */
const SDK_OPTIONS = { removeUndefinedValues: true, convertClassInstanceToMap: false } as const;

/** The SDK's marshalled item as it goes on the wire (binaries base64-encoded). */
function sdkWire(item: Record<string, unknown>): unknown {
  return JSON.parse(JSON.stringify(marshall(item, SDK_OPTIONS), (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value)));
}

const bytes = new Uint8Array([0, 1, 2, 250, 255]);
const entityItem = {
  pk: 'ENTITY#3f0c2a1e', sk: 'METADATA', type: 'Entity', name: 'Pump station 7', version: 3, visibility: 'public',
  attributes: { site: 'north', capacityLitres: 12000.5, negative: -7, tags: ['critical', 'north'], nested: { deep: [{ a: true }, null, 'x'] }, empty: {}, none: [], text: '' },
  createdAt: '2026-11-21T10:00:00.000Z',
};

describe('toAttributeMap / fromAttributeMap', () => {
  it('converts an entity item exactly as util-dynamodb does, and back', () => {
    const wire = toAttributeMap(entityItem);
    expect(wire).toEqual(sdkWire(entityItem));
    expect(fromAttributeMap(wire)).toEqual(unmarshall(marshall(entityItem, SDK_OPTIONS)));
    expect(fromAttributeMap(wire)).toEqual(entityItem);
  });

  it('converts binaries, sets, bigints and nulls as util-dynamodb does', () => {
    const item = { b: bytes, ss: new Set(['a', 'b']), ns: new Set([1, 2.5]), bs: new Set([bytes]), big: 9007199254740993n, nothing: null, yes: false };
    const wire = toAttributeMap(item);
    expect(wire).toEqual(sdkWire(item));
    expect(wire.b).toEqual({ B: 'AAEC+v8=' });
    const back = fromAttributeMap({ ...wire, big: { N: '42' } });
    expect(back).toEqual({ b: bytes, ss: new Set(['a', 'b']), ns: new Set([1, 2.5]), bs: new Set([bytes]), big: 42, nothing: null, yes: false });
    expect(back.b).toBeInstanceOf(Uint8Array);
  });

  it('leaves undefined members and list elements out, as removeUndefinedValues does', () => {
    const item = { a: 1, gone: undefined, list: [1, undefined, 2], map: { x: undefined, y: 'y' } };
    expect(toAttributeMap(item)).toEqual(sdkWire(item));
    expect(toAttributeMap(item)).toEqual({ a: { N: '1' }, list: { L: [{ N: '1' }, { N: '2' }] }, map: { M: { y: { S: 'y' } } } });
  });

  it('refuses what DynamoDB cannot store, naming where it is', () => {
    expect(() => toAttributeMap({ attributes: { when: new Date(0) } })).toThrow('attributes.when: a Date cannot be stored in DynamoDB; convert it to a string, number, boolean, array or plain object first.');
    expect(() => toAttributeMap({ list: [1, Number.NaN] })).toThrow('list[1]: NaN cannot be stored in DynamoDB (numbers must be finite).');
    expect(() => toAttributeMap({ s: new Set() })).toThrow('s: DynamoDB stores no empty sets.');
    expect(() => toAttributeMap({ s: new Set(['a', 1]) })).toThrow('s: a set must hold only strings, only numbers or only binaries.');
    expect(() => toAttributeMap({ f: () => 1 })).toThrow('f: function cannot be stored');
    expect(() => toAttributeMap(new Map())).toThrow('An item must be a plain object, not a Map.');
    // The SDK refuses these too.
    expect(() => marshall({ attributes: { when: new Date(0) } }, SDK_OPTIONS)).toThrow();
  });

  it('reads numbers as JSON does (doubles): what the entity API wrote comes back, even beyond 2^53 where util-dynamodb returns a BigInt no JSON response can carry', () => {
    for (const n of [1e20, 9.9e125, 1e-130, -0.5, 9007199254740991, 12000.5]) expect(fromAttributeMap(toAttributeMap({ n }))).toEqual({ n });
    expect(fromAttributeMap({ n: { N: '100000000000000000000' }, d: { N: '0.1' }, e: { N: '1E3' } })).toEqual({ n: 1e20, d: 0.1, e: 1000 });
    expect(unmarshall({ n: { N: '100000000000000000000' } })).toEqual({ n: 100000000000000000000n });
  });

  it('reads a stream image (the wire shape) the same as an item', () => {
    const image: AttributeMap = { pk: { S: 'ENTITY#1' }, version: { N: '2' }, attributes: { M: { tags: { L: [{ S: 't' }] } } } };
    expect(fromAttributeMap(image)).toEqual({ pk: 'ENTITY#1', version: 2, attributes: { tags: ['t'] } });
    expect(toAttributeValue(['t'])).toEqual({ L: [{ S: 't' }] });
  });
});
