import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { waitFor } from '../../scripts/lib/localStack.ts';

/**
 * A redis-server of a test's own on `port` (never the machine's shared one), which the test may
 * stop and start again (fail-open) or start with other settings (`args`: TLS, requirepass…; with
 * `--port 0 --tls-port <port>` the port is the TLS one). Ready once the port accepts connections.
 */
export function redisServer(port: number, args: readonly string[] = ['--port', String(port)]) {
  let child: ChildProcess | undefined;
  return {
    port,
    async start(): Promise<void> {
      const server = spawn('redis-server', [...args, '--bind', '127.0.0.1', '-::1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
      child = server;
      await waitFor(
        'redis-server',
        () =>
          new Promise<void>((done, fail) => {
            const socket = createConnection({ port, host: '127.0.0.1' }, () => {
              socket.end();
              done();
            });
            socket.once('error', fail);
          }),
        10_000,
        () => (server.exitCode !== null ? `exit code ${server.exitCode}` : undefined),
      );
    },
    async stop(): Promise<void> {
      const server = child;
      child = undefined;
      if (!server || server.exitCode !== null) return;
      await new Promise((done) => {
        server.once('exit', done);
        server.kill('SIGTERM');
      });
    },
  };
}
