import { describe, expect, it } from 'vitest';
import { defaultSamplingRule } from '../../../bench/lib/lambdaEnv.ts';

describe('defaultSamplingRule (how the bench traces cache hits: X-Ray\'s default rule)', () => {
  it('traces the first request of each second, then those the 5 % draw picks', () => {
    let now = 10_000;
    const draws = [0.5, 0.049, 0.05, 0.01];
    const sample = defaultSamplingRule(() => draws.shift()!, () => now);
    expect(sample()).toBe(true); // the reservoir: first of second 10
    expect([sample(), sample(), sample()]).toEqual([false, true, false]); // 0.5, 0.049, 0.05
    now = 11_000;
    expect(sample()).toBe(true); // first of second 11: no draw
    expect(draws).toEqual([0.01]);
    expect(sample()).toBe(true); // 0.01
  });

  it('traces about 5 % of a steady stream beyond the reservoir', () => {
    let now = 0;
    const sample = defaultSamplingRule(Math.random, () => now);
    let traced = 0;
    for (let i = 0; i < 20_000; i++) {
      now += 1; // 1000 requests a second: 20 reservoir picks
      if (sample()) traced += 1;
    }
    expect(traced).toBeGreaterThan(20 + 0.04 * 20_000);
    expect(traced).toBeLessThan(20 + 0.06 * 20_000);
  });
});
