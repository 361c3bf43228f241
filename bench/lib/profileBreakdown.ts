import { fileURLToPath } from 'node:url';
import { relative, sep } from 'node:path';

/** The parts of a V8 CPU profile (the inspector's `Profiler.stop` result) that the breakdown reads. */
export interface CpuProfile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: { readonly functionName: string; readonly url: string }; readonly children?: readonly number[] }[];
  /** The node each sample landed in, in time order. */
  readonly samples: readonly number[];
  /** Microseconds since the previous sample, one per sample (sample i lasted until sample i + 1). */
  readonly timeDeltas: readonly number[];
}

export interface PartTime {
  /** A package (`@middy/core`, `zod`), a folder of ours (`src/http`), `GC` or `V8 (program)`. */
  readonly part: string;
  readonly usPerInvocation: number;
  /** Of the profiled (non-idle) time. */
  readonly share: number;
}

/** Node's own JavaScript (`node:` URLs) and V8 built-ins (no URL) are charged to the frame that called them. */
const isBuiltin = (url: string) => url === '' || url.startsWith('node:');

/** The part a script belongs to: its npm package, else its folder in the project (two levels), else the path. */
export function partOf(url: string, projectRoot: string): string {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const modules = path.lastIndexOf(`${sep}node_modules${sep}`);
  if (modules >= 0) {
    const [first, second] = path.slice(modules + `${sep}node_modules${sep}`.length).split(sep);
    return first!.startsWith('@') ? `${first}/${second}` : first!;
  }
  const inProject = relative(projectRoot, path);
  if (inProject.startsWith('..')) return path;
  const segments = inProject.split(sep);
  return segments.length > 2 ? segments.slice(0, 2).join('/') : segments.slice(0, -1).join('/') || inProject;
}

/** What the bench counts apart from a function's own code: time inside an AWS SDK client's `send`, and the harness. */
export const SDK_CALLS = 'AWS SDK calls (@aws-sdk, @smithy; apart, as in the timed figures)';
const isSdk = (part: string) => part.startsWith('@aws-sdk/') || part.startsWith('@smithy/');

/**
 * Where the profiled time went, per part, per invocation. Each sample is charged to the innermost
 * frame that is a script (so `JSON.stringify` counts for whoever called it), garbage collection
 * to `GC`, the rest of V8's own work to `V8 (program)`; idle time is left out. A sample with an
 * AWS SDK frame anywhere on its stack is charged to SDK_CALLS (whatever runs inside a client's
 * `send`, the tracer's capture middleware included), as the timed figures leave that time out.
 * Sorted, costliest first (then by name).
 */
export function breakdown(profile: CpuProfile, projectRoot: string, invocations: number): PartTime[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const scriptPart = (id: number): string | undefined => {
    const { url } = byId.get(id)!.callFrame;
    return isBuiltin(url) ? undefined : partOf(url, projectRoot);
  };
  const insideSdk = new Map<number, boolean>();
  const underSdk = (id: number): boolean => {
    let known = insideSdk.get(id);
    if (known === undefined) {
      const part = scriptPart(id);
      known = (part !== undefined && isSdk(part)) || (parent.has(id) && underSdk(parent.get(id)!));
      insideSdk.set(id, known);
    }
    return known;
  };
  const partOfNode = new Map<number, string | null>();
  const chargeTo = (id: number): string | null => {
    const known = partOfNode.get(id);
    if (known !== undefined) return known;
    const { functionName } = byId.get(id)!.callFrame;
    let part: string | null;
    if (functionName === '(idle)') part = null;
    else if (functionName === '(garbage collector)') part = 'GC';
    else if (functionName === '(program)' || functionName === '(root)') part = 'V8 (program)';
    else if (underSdk(id)) part = SDK_CALLS;
    else part = scriptPart(id) ?? (parent.has(id) ? chargeTo(parent.get(id)!) : 'V8 (program)');
    partOfNode.set(id, part);
    return part;
  };
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, index) => {
    const part = chargeTo(id);
    if (part === null) return;
    const us = profile.timeDeltas[index + 1] ?? 0;
    totals.set(part, (totals.get(part) ?? 0) + us);
    all += us;
  });
  return [...totals.entries()]
    .filter(([, us]) => us > 0)
    .map(([part, us]) => ({ part, usPerInvocation: us / invocations, share: us / all }))
    .sort((a, b) => b.usPerInvocation - a.usPerInvocation || a.part.localeCompare(b.part));
}

/** Where each route's time goes, as printed by the bench: the costliest parts that make up 95 % of it. */
export function formatParts(routes: readonly { readonly name: string; readonly withSdkMedianUs: number; readonly parts: readonly PartTime[] }[]): string {
  const lines = ['where the time goes (CPU profile of further warm invocations, µs per invocation; the profiler slows them, so read the shares)'];
  for (const route of routes) {
    lines.push(`  ${route.name} (timed median of the whole invocation: ${route.withSdkMedianUs.toFixed(0)} µs)`);
    let covered = 0;
    for (const part of route.parts) {
      if (covered >= 0.95) break;
      covered += part.share;
      lines.push(`    ${part.usPerInvocation.toFixed(1).padStart(7)} µs  ${(part.share * 100).toFixed(0).padStart(3)} %  ${part.part}`);
    }
  }
  return lines.join('\n');
}
