import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, PROJECT_ROOT } from '../../scripts/lib/localStack.ts';
import { LOCAL_DATA, resetLocalData } from '../../scripts/reset-local.ts';

const run = promisify(execFile);

describe('the scripts a newcomer runs', () => {
  it('every script answers --help with its usage on standard output, exit 0, and starts nothing', async () => {
    const scripts = (await readdir(join(PROJECT_ROOT, 'scripts'))).filter((f) => f.endsWith('.ts'));
    expect(scripts.length).toBeGreaterThanOrEqual(11);
    for (const script of scripts) {
      // No DATABASE_URL, no AWS: a script that went on past --help would fail or hang here.
      const { stdout } = await run(process.execPath, [join('scripts', script), '--help'], { cwd: PROJECT_ROOT, env: { PATH: process.env['PATH'] }, timeout: 30_000 });
      expect(stdout, script).toMatch(/^usage: /);
    }
  }, 120_000);
});

describe('npm run reset', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function localFolder(): Promise<string> {
    dir = await mkdtemp(join(tmpdir(), 'reset-'));
    for (const name of [...LOCAL_DATA, 'issuer']) {
      await mkdir(join(dir, name), { recursive: true });
      await writeFile(join(dir, name, 'data'), name);
    }
    return dir;
  }
  const exists = (path: string) => stat(path).then(() => true, () => false);

  it('deletes the table, the embedded read model and the local S3, and keeps the issuer keys', async () => {
    const local = await localFolder();
    expect(await resetLocalData(local, await freePort())).toEqual(LOCAL_DATA.map((name) => join(local, name)));
    for (const name of LOCAL_DATA) expect(await exists(join(local, name))).toBe(false);
    expect(await exists(join(local, 'issuer', 'data'))).toBe(true);
    expect(await resetLocalData(local, await freePort())).toEqual([]); // again: nothing left to delete
  });

  it('refuses while the stack runs (its DynamoDB port answers) and deletes nothing', async () => {
    const local = await localFolder();
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const port = (server.address() as { port: number }).port;
      await expect(resetLocalData(local, port)).rejects.toThrow(`Something answers on port ${port}`);
      for (const name of LOCAL_DATA) expect(await exists(join(local, name, 'data'))).toBe(true);
    } finally {
      server.close();
    }
  });
});
