import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { portAccepts, waitFor } from '../../scripts/lib/localStack.ts';

/**
 * A redis-server of a test's own on `port` (never the machine's shared one), which the test may
 * stop and start again (fail-open) or start with other settings (`args`: TLS, requirepass…; with
 * `--port 0 --tls-port <port>` the port is the TLS one). Ready once the port accepts connections.
 * Its working directory is a temporary one of its own (a replica writes the RDB it receives there).
 */
export function redisServer(port: number, args: readonly string[] = ['--port', String(port)]) {
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  return {
    port,
    async start(): Promise<void> {
      dir ??= await mkdtemp(join(tmpdir(), 'redis-server-'));
      const server = spawn('redis-server', [...args, '--bind', '127.0.0.1', '-::1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir], { stdio: 'ignore' });
      child = server;
      await waitFor('redis-server', () => portAccepts(port), 10_000, () => (server.exitCode !== null ? `exit code ${server.exitCode}` : undefined));
    },
    async stop(): Promise<void> {
      const server = child;
      child = undefined;
      if (server && server.exitCode === null) {
        await new Promise((done) => {
          server.once('exit', done);
          server.kill('SIGTERM');
        });
      }
      if (dir) await rm(dir, { recursive: true, force: true });
      dir = undefined;
    },
  };
}
