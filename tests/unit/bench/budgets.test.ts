import { describe, expect, it } from 'vitest';
import { atMost, BUDGET, coldInitVerdict, ratioAtMost, verdictLabel } from '../../../bench/lib/budgets.ts';
import { functionKinds } from '../../../bench/lib/packaging.ts';
import { median, percentile } from '../../../bench/lib/stats.ts';

describe('the bench\'s arithmetic (fixed inputs)', () => {
  it('takes medians and nearest-rank percentiles of unsorted samples', () => {
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2); // nearest rank: the lower middle
    expect(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 99)).toBe(100);
    expect(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 90)).toBe(90);
    expect(median([])).toBeNaN();
  });

  it('judges an HTTP function\'s cold-init delta at 0.7× the reference\'s and the authorizer\'s at 0.4×', () => {
    expect(coldInitVerdict('http', 70, 100)).toEqual({ budget: '≤ 0.7× reference', pass: true, ratio: 0.7 });
    expect(coldInitVerdict('http', 71, 100)).toMatchObject({ pass: false, ratio: 0.71 });
    expect(coldInitVerdict('authorizer', 30, 100)).toMatchObject({ budget: '≤ 0.4× reference', pass: true, ratio: 0.3 });
    expect(coldInitVerdict('authorizer', 41, 100)).toMatchObject({ pass: false });
    expect(coldInitVerdict('other', 500, 100)).toBeUndefined();
  });

  it('refuses a ratio over a reference that measured nothing', () => {
    expect(() => ratioAtMost(10, 0, 0.7, 'reference')).toThrow(/cannot take a ratio/);
    expect(() => ratioAtMost(Number.NaN, 50, 0.7, 'reference')).toThrow(/cannot take a ratio/);
  });

  it('judges a cache hit against a raw GET and a warm median against its limit', () => {
    expect(ratioAtMost(120, 80, BUDGET.cacheHitRatio, 'raw GET')).toEqual({ budget: '≤ 1.5× raw GET', pass: true, ratio: 1.5 });
    expect(ratioAtMost(121, 80, BUDGET.cacheHitRatio, 'raw GET').pass).toBe(false);
    expect(atMost(100, BUDGET.warmMedianUs, 'µs')).toEqual({ budget: '≤ 100 µs', pass: true });
    expect(atMost(100.5, BUDGET.warmMedianUs, 'µs').pass).toBe(false);
  });

  it('labels verdicts PASS, FAIL or nothing', () => {
    expect(verdictLabel({ budget: '≤ 1', pass: true })).toBe('PASS');
    expect(verdictLabel({ budget: '≤ 1', pass: false })).toBe('FAIL');
    expect(verdictLabel(undefined)).toBe('');
  });

  it('tells HTTP functions, the authorizer and the rest apart from the packaged service\'s events', () => {
    const kinds = functionKinds({
      service: {
        functions: {
          getEntity: { events: [{ http: { authorizer: { name: 'authorizer' } } }, { http: {} }] },
          authorizer: { events: [] },
          publishEntityEvents: { events: [{}] },
          migrate: {},
        },
      },
    });
    expect(Object.fromEntries(kinds)).toEqual({ getEntity: 'http', authorizer: 'authorizer', publishEntityEvents: 'other', migrate: 'other' });
  });
});
