import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { breakdown, formatParts, partOf, SDK_CALLS, type CpuProfile } from '../../../bench/lib/profileBreakdown.ts';

const ROOT = '/srv/app';
const file = (path: string) => pathToFileURL(join(ROOT, path)).href;

describe('the bench’s CPU profile breakdown (where the warm time goes)', () => {
  it('names a script by its package, scoped or not, else by its folder in the project', () => {
    expect(partOf(file('node_modules/@middy/core/index.js'), ROOT)).toBe('@middy/core');
    expect(partOf(file('node_modules/zod/v4/core/parse.js'), ROOT)).toBe('zod');
    expect(partOf(file('node_modules/a/node_modules/@aws-sdk/core/dist/x.js'), ROOT)).toBe('@aws-sdk/core');
    expect(partOf(join(ROOT, 'src/http/middleware/problem.ts'), ROOT)).toBe('src/http');
    expect(partOf(file('functions/health.ts'), ROOT)).toBe('functions');
    expect(partOf('/elsewhere/x.js', ROOT)).toBe('/elsewhere/x.js');
  });

  it('charges built-ins to their caller, GC and V8 apart, leaves idle out, and divides by the invocations', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '' }, children: [2, 5, 6, 7, 8] },
        { id: 2, callFrame: { functionName: 'handler', url: file('functions/entities/getEntity.ts') }, children: [3] },
        { id: 3, callFrame: { functionName: 'parse', url: file('node_modules/zod/index.js') }, children: [4] },
        { id: 4, callFrame: { functionName: 'stringify', url: '' } },
        { id: 5, callFrame: { functionName: '(garbage collector)', url: '' } },
        { id: 6, callFrame: { functionName: '(idle)', url: '' } },
        { id: 7, callFrame: { functionName: 'nextTick', url: 'node:internal/process/task_queues' } },
        // Inside a client's send: the tracer's middleware and a built-in it calls count as the SDK's.
        { id: 8, callFrame: { functionName: 'send', url: file('node_modules/@smithy/core/dist/index.js') }, children: [9] },
        { id: 9, callFrame: { functionName: 'capture', url: file('node_modules/aws-xray-sdk-core/index.js') }, children: [10] },
        { id: 10, callFrame: { functionName: 'stringify', url: '' } },
      ],
      // Sample i lasts until sample i + 1: 10 µs in zod (via the built-in it called), 20 in zod, 30 in the handler, 40 GC, 500 idle, 6 + 4 in the SDK's call, 0 for the last.
      samples: [4, 3, 2, 5, 6, 10, 9, 7],
      timeDeltas: [0, 10, 20, 30, 40, 500, 6, 4],
    };
    const parts = breakdown(profile, ROOT, 2);
    expect(parts).toEqual([
      { part: 'GC', usPerInvocation: 20, share: 40 / 110 },
      { part: 'functions/entities', usPerInvocation: 15, share: 30 / 110 },
      { part: 'zod', usPerInvocation: 15, share: 30 / 110 },
      { part: SDK_CALLS, usPerInvocation: 5, share: 10 / 110 },
    ]);
    const text = formatParts([{ name: 'getEntity GET', withSdkMedianUs: 123.4, parts }]);
    expect(text).toContain('getEntity GET (timed median of the whole invocation: 123 µs)');
    expect(text).toMatch(/20\.0 µs +36 % +GC/);
  });
});
