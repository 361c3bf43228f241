import { describe, expect, it } from 'vitest';
import { oldestEventAgeSeconds } from '../../../src/domain/entityEvents.ts';
import { changed, deleted, entityAt } from '../../support/entityEvents.ts';

describe('oldestEventAgeSeconds', () => {
  it('is the age of the oldest change among the events, in seconds', () => {
    const older = changed(entityAt('t1', 1)); // occurred 2025-01-01T00:00:01Z
    const newer = deleted(entityAt('t1', 5)); // 2025-01-01T00:00:06Z
    const now = Date.parse('2025-01-01T00:01:01.500Z');
    expect(oldestEventAgeSeconds([newer, older], now)).toBe(60.5);
    expect(oldestEventAgeSeconds([newer], now)).toBe(55.5);
  });

  it('is 0 for a change stamped later than now (clock skew between writers), and undefined for no events', () => {
    expect(oldestEventAgeSeconds([changed(entityAt('t1', 1))], Date.parse('2024-12-31T23:59:59Z'))).toBe(0);
    expect(oldestEventAgeSeconds([], Date.now())).toBeUndefined();
  });
});
