import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, PROJECT_ROOT } from '../../../scripts/lib/localStack.ts';
import { withoutRejectedTokenNoise } from '../../../scripts/lib/offlineOutput.ts';
import { LOCAL_DATA, resetLocalData } from '../../../scripts/reset-local.ts';

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

describe("npm start's output", () => {
  // What serverless-offline printed for a rejected token and for a crashing authorizer (npm start, 2 December 2026).
  const rejected = [
    'Running Authorization function for get /api/v1/secure/entities (λ: authorizer)',
    '{"level":"INFO","message":"Token rejected","reason":"The access token is invalid or expired."}',
    "× Unhandled exception in handler 'authorizer'.",
    '× Error: Unauthorized',
    '      at js (/home/dev/entity-platform/.esbuild-offline/.build/functions/authorizer.cjs:3:17540)',
    '      at process.processTicksAndRejections (node:internal/process/task_queues:104:5)',
    '      at async HandlerRunner.run (file:///home/dev/entity-platform/node_modules/serverless-offline/src/lambda/handler-runner/HandlerRunner.js:124:14)',
    'Authorization function returned an error response: (λ: authorizer)',
  ];
  const shown = (lines: string[]) => {
    const filter = withoutRejectedTokenNoise();
    return lines.flatMap((line) => filter(line));
  };

  it('shows a rejected token as the authorizer logged it, without the unhandled-exception stack', () => {
    expect(shown(rejected)).toEqual([rejected[0], rejected[1], rejected[7]]);
  });

  it('shows any other exception whole, the authorizer\'s too', () => {
    const crash = ["× Unhandled exception in handler 'authorizer'.", '× Error: JWKS unavailable', '      at fetchJwks (authorizer.cjs:1:1)', 'Authorization function returned an error response: (λ: authorizer)'];
    expect(shown(crash)).toEqual(crash);
    const other = ["× Unhandled exception in handler 'createEntity'.", "× Unhandled exception in handler 'authorizer'.", '× Error: Unauthorized', '      at js (a.cjs:1:1)', 'GET /x'];
    expect(shown(other)).toEqual(["× Unhandled exception in handler 'createEntity'.", 'GET /x']);
  });
});
