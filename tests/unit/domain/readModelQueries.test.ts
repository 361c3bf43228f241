import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/domain/errors.ts';
import { attributeValueOf, EntityQueries, parseSearchQuery, parseStatsQuery } from '../../../src/domain/readModelQueries.ts';

function issuesOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected a ValidationError');
}

describe('search query rules', () => {
  it('parses text, attribute filters (nested, typed), sort, limit and cursor', () => {
    expect(parseSearchQuery({ 'q': '  Blue ', 'attr.colour': 'blue', 'attr.size.h': '2', 'attr.code': '"42"', 'sort': '-createdAt', 'limit': '5', 'cursor': 'abc' })).toEqual({
      text: 'Blue',
      attributes: [
        { path: ['colour'], value: 'blue' },
        { path: ['size', 'h'], value: 2 },
        { path: ['code'], value: '42' },
      ],
      sort: '-createdAt',
      limit: 5,
      cursor: 'abc',
    });
    expect(parseSearchQuery(null)).toEqual({ attributes: [], sort: 'name', limit: 20 });
  });

  it('reads query values as JSON scalars where they are, strings otherwise', () => {
    expect(attributeValueOf('true')).toBe(true);
    expect(attributeValueOf('null')).toBe(null);
    expect(attributeValueOf('-1.5e3')).toBe(-1500);
    expect(attributeValueOf('007')).toBe('007');
    expect(attributeValueOf('"true"')).toBe('true');
    expect(attributeValueOf("blue'); DROP TABLE entities; --")).toBe("blue'); DROP TABLE entities; --");
  });

  it('lists every invalid parameter', () => {
    const issues = issuesOf(() => parseSearchQuery({ 'limit': '0', 'sort': 'size', 'tenantId': 'other', 'attr.bad key': 'x', 'attr.': 'y' }));
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/limit: /),
        expect.stringMatching(/^\/sort: sort must be one of/),
        expect.stringMatching(/^\/tenantId: tenantId is set by the service/),
        expect.stringMatching(/^\/attr\.bad key: /),
        expect.stringMatching(/^\/attr\.: /),
      ]),
    );
    const many = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`attr.k${i}`, 'v']));
    expect(issuesOf(() => parseSearchQuery(many))).toEqual([expect.stringMatching(/at most 10 attribute filters/)]);
  });

  it('requires groupBy=attr.<key> for stats', () => {
    expect(parseStatsQuery({ groupBy: 'attr.size.h' })).toEqual({ groupBy: ['size', 'h'], limit: 100 });
    expect(issuesOf(() => parseStatsQuery({}))).toEqual([expect.stringMatching(/^\/groupBy: groupBy is required/)]);
    expect(issuesOf(() => parseStatsQuery({ groupBy: 'name' }))).toEqual([expect.stringMatching(/^\/groupBy: groupBy must be attr/)]);
  });
});

describe('EntityQueries', () => {
  it('scopes every query to the caller tenant and needs entities/read', async () => {
    const seen: unknown[] = [];
    const queries = new EntityQueries({
      search: { search: (c) => (seen.push(c), Promise.resolve({ items: [], nextCursor: null, readModel: { newestUpdatedAt: null } })) },
      stats: { countBy: (c) => (seen.push(c), Promise.resolve({ total: 0, buckets: [], distinctValues: 0, readModel: { newestUpdatedAt: null } })) },
    });
    const reader = { subject: 's', tenantId: 'acme', scopes: new Set(['entities/read']), groups: new Set<string>() };
    await queries.search(reader, parseSearchQuery({ q: 'x' }));
    await queries.stats(reader, parseStatsQuery({ groupBy: 'attr.colour' }));
    expect(seen).toEqual([expect.objectContaining({ tenantId: 'acme', text: 'x' }), expect.objectContaining({ tenantId: 'acme', groupBy: ['colour'] })]);
    await expect(queries.search({ ...reader, scopes: new Set(['entities/write']) }, parseSearchQuery({}))).rejects.toThrow(/entities\/read/);
    await expect(queries.stats(undefined, parseStatsQuery({ groupBy: 'attr.x' }))).rejects.toThrow(/access token is required/);
  });
});
