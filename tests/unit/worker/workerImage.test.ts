import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..', '..');
const run = promisify(execFile);

interface Stage {
  from: string;
  name?: string;
  instructions: { op: string; args: string }[];
}

/** The Dockerfile's stages and instructions (comments dropped, continuation lines joined). */
async function dockerfile(): Promise<Stage[]> {
  const text = (await readFile(join(root, 'Dockerfile'), 'utf8')).replace(/\\\n/g, ' ');
  const stages: Stage[] = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))) {
    const [, op, args] = /^(\S+)\s+(.*)$/.exec(line)!;
    if (op!.toUpperCase() === 'FROM') {
      const [, from, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args!)!;
      stages.push({ from: from!, ...(name && { name }), instructions: [] });
    } else stages.at(-1)!.instructions.push({ op: op!.toUpperCase(), args: args! });
  }
  return stages;
}

/** The `build:worker` script's esbuild arguments. */
async function buildScript(): Promise<{ command: string; entry: string; outfile: string; args: string[] }> {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const [command, ...args] = pkg.scripts['build:worker']!.split(/\s+/);
  const entry = args.find((a) => !a.startsWith('--'))!;
  const outfile = args.find((a) => a.startsWith('--outfile='))!.slice('--outfile='.length);
  return { command: command!, entry, outfile, args };
}

const workdirAt = (stage: Stage, index: number) =>
  stage.instructions.slice(0, index).filter((i) => i.op === 'WORKDIR').reduce((dir, i) => posix.resolve(dir, i.args), '/');

describe('the worker image', () => {
  it('is multi-stage, runs as a non-root user, and its ENTRYPOINT runs exactly the bundle `npm run build:worker` produces', async () => {
    const stages = await dockerfile();
    const build = await buildScript();
    expect(build).toMatchObject({ command: 'esbuild', entry: 'src/worker/main.ts' });
    expect(build.args).toContain('--bundle');
    expect(stages.length).toBeGreaterThanOrEqual(2);

    // The build stage runs the build script.
    const builder = stages.find((s) => s.name !== undefined && s.instructions.some((i) => i.op === 'RUN' && /\bnpm run build:worker\b/.test(i.args)))!;
    expect(builder).toBeDefined();
    const buildRun = builder.instructions.findIndex((i) => i.op === 'RUN' && /\bnpm run build:worker\b/.test(i.args));
    const producedAt = posix.resolve(workdirAt(builder, buildRun), build.outfile);

    // The final stage: a small base, only files copied from the build stage, the bundle among them, a non-root user.
    const final = stages.at(-1)!;
    expect(final.from).toMatch(/alpine|distroless|slim/);
    const copies = final.instructions.map((i, index) => ({ ...i, index })).filter((i) => i.op === 'COPY' || i.op === 'ADD');
    expect(copies.length).toBeGreaterThan(0);
    const copied = new Map<string, string>(); // source in the build stage → path in the image
    for (const copy of copies) {
      expect(copy.op).toBe('COPY');
      const parts = copy.args.split(/\s+/);
      expect(parts).toContain(`--from=${builder.name}`);
      const paths = parts.filter((p) => !p.startsWith('--'));
      const destination = paths.at(-1)!;
      const base = posix.resolve(workdirAt(final, copy.index), destination);
      for (const src of paths.slice(0, -1)) copied.set(src, destination.endsWith('/') || paths.length > 2 ? posix.join(base, posix.basename(src)) : base);
    }
    expect([...copied.keys()].every((src) => src === producedAt || src === `${producedAt}.map`)).toBe(true);
    const bundleInImage = copied.get(producedAt);
    expect(bundleInImage).toBeDefined();

    const user = final.instructions.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);

    const entrypoint = JSON.parse(final.instructions.filter((i) => i.op === 'ENTRYPOINT').at(-1)!.args) as string[];
    expect(entrypoint).toEqual(['node', bundleInImage]);
    // The task's `command` (e.g. the schedule's container override) becomes the worker's arguments.
    expect(JSON.parse(final.instructions.filter((i) => i.op === 'CMD').at(-1)!.args)).toEqual(['--help']);
  });

  it('the build script produces a bundle that runs on its own', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'worker-bundle-'));
    try {
      const build = await buildScript();
      const outfile = join(dir, 'main.cjs');
      const args = build.args.map((a) => (a.startsWith('--outfile=') ? `--outfile=${outfile}` : a));
      await run(join(root, 'node_modules', '.bin', build.command), args, { cwd: root });
      // Outside the repository, so nothing resolves from node_modules: the bundle is self-contained.
      const { stdout } = await run(process.execPath, [outfile, '--help'], { cwd: dir });
      expect(stdout).toMatch(/^Usage: worker <job>/);
      expect(stdout).toContain('rebuild-read-model');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
