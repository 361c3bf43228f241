import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, portAccepts, stoppable, waitFor } from '../../scripts/lib/localStack.ts';

/** The broker's own start script (Debian's rabbitmq-server package), without the wrapper that switches to the rabbitmq user. */
const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

export const privateBrokerAvailable = existsSync(RABBITMQ_SERVER);

/**
 * A RabbitMQ node of the test's own (the machine's RabbitMQ package, another node name, ports
 * and data directory): unlike the machine's broker, which other runs share, it may be stopped
 * and started again. `stop` stops it gracefully (SIGTERM, as `systemctl stop` does), cutting every
 * connection; `start` starts it again on the same ports and data, so durable queues and their
 * persistent messages survive; `dispose` stops it for good and deletes its data. Starting an
 * Erlang node takes seconds (more on a busy machine).
 */
export async function startPrivateBroker(): Promise<{ url: string; stop: () => Promise<void>; start: () => Promise<void>; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'private-rabbitmq-'));
  const [port, distPort] = [await freePort(), await freePort()];
  const name = `test-${port}@localhost`;
  // No plugins (the management plugin of the machine's node is not needed), guest from loopback only.
  await writeFile(join(dir, 'enabled_plugins'), '[].\n');
  await writeFile(join(dir, 'rabbitmq.conf'), `listeners.tcp.default = ${port}\nloopback_users.guest = true\n`);
  await writeFile(join(dir, 'rabbitmq-env.conf'), '');
  const env = {
    ...process.env,
    HOME: dir, // the node's Erlang cookie goes here, not into the user's home
    RABBITMQ_NODENAME: name,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_PID_FILE: join(dir, 'pid'),
  };
  let node: ChildProcess | undefined;
  const start = async () => {
    let output = '';
    const child = spawn(RABBITMQ_SERVER, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    node = child;
    await waitFor(`RabbitMQ node ${name}`, () => portAccepts(port), 120_000, () => (child.exitCode !== null ? `exit ${child.exitCode}\n${output}` : undefined));
  };
  const stop = async () => {
    if (node) await stoppable(node, { killAfterMs: 30_000 }).stop();
    node = undefined;
  };
  await start();
  return {
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    stop,
    start,
    dispose: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
