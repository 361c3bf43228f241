import type { Metafile } from './packaging.ts';

export interface BundleSize {
  /** Bytes of the handler module (what Lambda loads), per esbuild's metafile. */
  readonly bytes: number;
  /** Bytes in the output per contributor (an npm package, or `(our code)`), largest first. */
  readonly contributors: readonly { readonly name: string; readonly bytes: number }[];
}

/** `node_modules/@scope/pkg/…` → `@scope/pkg`; `node_modules/pkg/…` → `pkg`; our sources → `(our code)`. */
export function contributorOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at === -1) return '(our code)';
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

export function bundleSize(metafile: Metafile, entry: string): BundleSize {
  const outputs = Object.entries(metafile.outputs).filter(([path]) => !path.endsWith('.map'));
  const output = outputs.find(([path]) => path.endsWith(entry)) ?? (outputs.length === 1 ? outputs[0] : undefined);
  if (!output) throw new Error(`No output for ${entry} in the metafile (${outputs.map(([p]) => p).join(', ')})`);
  const byContributor = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output[1].inputs)) {
    const name = contributorOf(input);
    byContributor.set(name, (byContributor.get(name) ?? 0) + bytesInOutput);
  }
  const contributors = [...byContributor.entries()].map(([name, bytes]) => ({ name, bytes })).filter((c) => c.bytes > 0).sort((a, b) => b.bytes - a.bytes);
  return { bytes: output[1].bytes, contributors };
}
