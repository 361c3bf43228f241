import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, deleteKeysMatching, parseRedisUrl, RedisClient, RedisConnectionError, RedisReplyError, RedisTimeoutError, type RedisClientOptions } from '../../src/adapters/redis/redisClient.ts';
import { freePort, PROJECT_ROOT } from '../../scripts/lib/localStack.ts';
import { redisServer } from '../support/redisServer.ts';

/** The machine's Redis (never stopped or reconfigured here); every key of this run lives under its own prefix. */
const SHARED_REDIS = parseRedisUrl(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
const PREFIX = `client-${randomUUID().slice(0, 8)}:`;
const opened: RedisClient[] = [];

async function client(options: Partial<RedisClientOptions> = {}): Promise<RedisClient> {
  const c = new RedisClient({ ...SHARED_REDIS, ...options });
  opened.push(c);
  await c.waitUntilReady(5_000);
  return c;
}

/** A TCP server that accepts connections and never answers (a hung server, as far as a client can tell). */
async function silentServer(): Promise<{ port: number; sockets: Socket[]; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return {
    port: address.port,
    sockets,
    close: () =>
      new Promise((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}

let shared: RedisClient;
beforeAll(async () => {
  shared = await client();
});
afterAll(async () => {
  await deleteKeysMatching(shared, `${PREFIX}*`);
  for (const c of opened) c.disconnect();
});

describe('RedisClient against the machine’s Redis', () => {
  it('round-trips values exactly: multi-byte UTF-8, CRLF inside, empty, 8 MB', async () => {
    const values = ['héllo ✓ 世界 🎉', 'line\r\nbreak\r\n', '', '*1\r\n$3\r\nnot a command', 'ü'.repeat(4 * 1024 * 1024)];
    for (const [i, value] of values.entries()) {
      expect(await shared.set(`${PREFIX}value:${i}`, value)).toBe(true);
      expect(await shared.get(`${PREFIX}value:${i}`)).toBe(value);
    }
    expect(await shared.call('STRLEN', `${PREFIX}value:4`)).toBe(8 * 1024 * 1024);
    expect(await shared.mget(values.map((_, i) => `${PREFIX}value:${i}`).concat(`${PREFIX}absent`))).toEqual([...values, null]);
    expect(await shared.set(`${PREFIX}buffer`, Buffer.from('bytes ✓'))).toBe(true);
    expect(await shared.get(`${PREFIX}buffer`)).toBe('bytes ✓');
  });

  it('speaks the commands the cache store needs', async () => {
    const key = `${PREFIX}cmd`;
    expect(await shared.set(key, 'v', { px: 60_000 })).toBe(true);
    expect(await shared.set(key, 'other', { px: 60_000, nx: true })).toBe(false);
    expect(await shared.get(key)).toBe('v');
    const pttl = await shared.call('PTTL', key);
    expect(pttl).toBeGreaterThan(55_000);
    expect(await shared.hset(`${PREFIX}hash`, 'field', 'value')).toBe(1);
    expect(await shared.hget(`${PREFIX}hash`, 'field')).toBe('value');
    expect(await shared.hget(`${PREFIX}hash`, 'missing')).toBeNull();
    expect(await shared.pexpire(`${PREFIX}hash`, 60_000)).toBe(true);
    expect(await shared.pexpire(`${PREFIX}absent`, 60_000)).toBe(false);
    expect(await shared.exists([key, `${PREFIX}hash`, `${PREFIX}absent`])).toBe(2);
    expect(await shared.del([key, `${PREFIX}hash`, `${PREFIX}absent`])).toBe(2);
    expect(await shared.del([])).toBe(0);
    expect(await shared.call('PING')).toBe('PONG');
  });

  it('rejects a command the server refuses with the server’s message, and only that command (the stream stays in step)', async () => {
    const key = `${PREFIX}string`;
    await shared.set(key, 'plain');
    const results = await Promise.allSettled([shared.get(key), shared.hget(key, 'f'), shared.call('NOSUCHCOMMAND', 'x'), shared.mget([key, key]), shared.call('INCR', key), shared.get(key)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    const reasons = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    expect(reasons.every((e) => e instanceof RedisReplyError)).toBe(true);
    expect(reasons.map((e) => e.message)).toEqual([
      'WRONGTYPE Operation against a key holding the wrong kind of value',
      expect.stringMatching(/^ERR unknown command 'NOSUCHCOMMAND'/),
      'ERR value is not an integer or out of range',
    ]);
    expect(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))).toEqual(['plain', ['plain', 'plain'], 'plain']);
  });

  it('pipelines 1000 concurrent commands and matches every reply to its command, in order', async () => {
    const counter = `${PREFIX}counter`;
    const c = await client();
    const socket = (c as unknown as { socket: Socket }).socket;
    const pending = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? c.call('INCR', counter) : c.call('ECHO', `echo ${i} ✓`)));
    // Issued in one tick: the first went out at once, the 999 after it wait corked for one write on the next tick.
    expect(socket.writableCorked).toBe(1);
    const replies = await Promise.all(pending);
    expect(replies).toEqual(Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? i / 2 + 1 : `echo ${i} ✓`)));
    expect(socket.writableCorked).toBe(0);
    expect(await c.pipeline([['GET', counter], ['HGET', counter, 'f'], ['ECHO', 'after']])).toEqual(['500', new RedisReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'), 'after']);
  });

  it('runs MULTI/EXEC atomically: all applied, or nothing when a command is refused while queueing', async () => {
    const hash = `${PREFIX}tx`;
    expect(await shared.multi([['HSET', hash, 'f', 'v'], ['PEXPIRE', hash, 60_000]])).toEqual([1, 1]);
    expect(await shared.call('PTTL', hash)).toBeGreaterThan(55_000);
    await expect(shared.multi([['HSET', `${PREFIX}tx2`, 'f', 'v'], ['NOSUCHCOMMAND']])).rejects.toThrow(/unknown command/);
    expect(await shared.exists([`${PREFIX}tx2`])).toBe(0);
    // A command failing while EXEC runs fails alone (Redis has no rollback): an error value in EXEC's replies.
    const replies = await shared.multi([['SET', `${PREFIX}tx3`, 'x'], ['HGET', `${PREFIX}tx3`, 'f']]);
    expect(replies[0]).toBe('OK');
    expect(replies[1]).toBeInstanceOf(RedisReplyError);
    // The connection is still in step.
    expect(await shared.get(`${PREFIX}tx3`)).toBe('x');
  });

  it('times a command out, resets the connection (failing what was in flight behind it) and reconnects by itself', async () => {
    const errors: Error[] = [];
    const c = await client({ commandTimeoutMs: 100, onError: (e) => errors.push(e) });
    const started = performance.now();
    // BLPOP on an empty list blocks this connection server-side for 2 s: no reply within 100 ms.
    const blocked = c.call('BLPOP', `${PREFIX}empty-list`, '2');
    const behind = c.get(`${PREFIX}anything`);
    await expect(blocked).rejects.toBeInstanceOf(RedisTimeoutError);
    await expect(behind).rejects.toBeInstanceOf(RedisConnectionError);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(c.status).not.toBe('ready');
    expect(errors.at(-1)).toBeInstanceOf(RedisTimeoutError);
    await c.waitUntilReady(3_000);
    expect(await c.call('PING')).toBe('PONG');
  });

  it('does not time out a reply that arrived while the event loop was busy past the deadline', async () => {
    const c = await client({ commandTimeoutMs: 50 });
    const reply = c.call('ECHO', 'in time');
    // Sent now; the reply arrives within a millisecond, but nothing reads it until this block ends, 150 ms later.
    const until = performance.now() + 150;
    while (performance.now() < until) {
      // busy
    }
    expect(await reply).toBe('in time');
    expect(c.status).toBe('ready');
  });

  it('reconnects after the server drops the connection (CLIENT KILL), failing fast while it is down', async () => {
    const errors: Error[] = [];
    const { promise: noticed, resolve: notice } = Promise.withResolvers<void>();
    const c = await client({ onError: (e) => (errors.push(e), notice()), reconnect: { minDelayMs: 500, maxDelayMs: 1_000 } });
    const id = await c.call('CLIENT', 'ID');
    expect(await shared.call('CLIENT', 'KILL', 'ID', id as number)).toBe(1);
    await noticed;
    expect(c.status).toBe('reconnecting');
    // No offline queue: a command while reconnecting fails at once, it does not wait for the connection.
    const started = performance.now();
    await expect(c.get(`${PREFIX}k`)).rejects.toThrow(/^not connected \(reconnecting\): the server closed the connection/);
    expect(performance.now() - started).toBeLessThan(50);
    expect(errors.map((e) => e.message)).toEqual(['the server closed the connection']);
    await c.waitUntilReady(3_000);
    expect(await c.call('CLIENT', 'ID')).not.toBe(id);
  });

  it('bounds the connection by the connect timeout, handshake included, against a server that never answers', async () => {
    const silent = await silentServer();
    try {
      const errors: Error[] = [];
      const c = new RedisClient({ port: silent.port, password: 'never-checked', connectTimeoutMs: 150, onError: (e) => errors.push(e), reconnect: false });
      opened.push(c);
      await expect(c.waitUntilReady(1_000)).rejects.toThrow(/^connecting to 127.0.0.1:\d+ took longer than 150 ms$/);
      expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/took longer than 150 ms/)]);
      expect(c.status).toBe('closed');

      // Without AUTH the client is ready on connect; its first command then times out.
      const ready = new RedisClient({ port: silent.port, commandTimeoutMs: 80, reconnect: false });
      opened.push(ready);
      await ready.waitUntilReady(1_000);
      await expect(ready.get('k')).rejects.toThrow('no reply within 80 ms');
    } finally {
      await silent.close();
    }
  });

  it('fails open when nothing listens: connectRedis returns a client that is not ready, whose calls fail at once, and which keeps trying', async () => {
    const errors: Error[] = [];
    const c = await connectRedis({ url: `redis://127.0.0.1:${await freePort()}`, connectTimeoutMs: 200, commandTimeoutMs: 100, onError: (e) => errors.push(e) });
    opened.push(c);
    expect(c.status).toBe('reconnecting');
    await expect(c.get('k')).rejects.toThrow(/not connected \(reconnecting\): connect ECONNREFUSED/);
    expect(errors.length).toBeGreaterThan(1);
    c.disconnect();
    expect(c.status).toBe('closed');
  });

  it('quits after the replies in flight; disconnect fails them; neither reconnects', async () => {
    const c = await client();
    const inFlight = c.call('ECHO', 'before quit');
    await c.quit();
    expect(await inFlight).toBe('before quit');
    expect(c.status).toBe('closed');
    await expect(c.call('PING')).rejects.toThrow('not connected (closed)');

    const d = await client();
    const lost = d.call('BLPOP', `${PREFIX}empty-list`, '1');
    d.disconnect();
    await expect(lost).rejects.toThrow('the client was closed');
    await sleep(100);
    expect(d.status).toBe('closed');
  });

  it('never keeps a process alive while idle (connected, or waiting to reconnect)', async () => {
    const module = join(PROJECT_ROOT, 'src/adapters/redis/redisClient.ts');
    const script = `
      import { RedisClient } from ${JSON.stringify(module)};
      const up = new RedisClient(${JSON.stringify(SHARED_REDIS)});
      await up.waitUntilReady(5000);
      console.log(await up.call('PING'));
      new RedisClient({ port: ${await freePort()} }); // refused: reconnecting, with its timers
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((done) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', (exitCode) => {
        clearTimeout(kill);
        done(exitCode);
      });
    });
    expect(output.trim()).toBe('PONG');
    // Exited by itself (killed after 10 s it would have no exit code).
    expect(code).toBe(0);
  });
});

describe('AUTH, SELECT and TLS (a redis-server of its own, TLS only, with requirepass)', () => {
  const token = `token-${randomUUID()}`;
  let dir: string;
  let ca: string;
  let server: ReturnType<typeof redisServer>;
  const tlsClient = (options: Partial<RedisClientOptions>) => {
    const c = new RedisClient({ host: '127.0.0.1', port: server.port, connectTimeoutMs: 2_000, reconnect: false, ...options });
    opened.push(c);
    return c;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'redis-tls-'));
    // A self-signed certificate for localhost and 127.0.0.1, made for this run.
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']);
    ca = await readFile(join(dir, 'cert.pem'), 'utf8');
    const port = await freePort();
    server = redisServer(port, ['--port', '0', '--tls-port', String(port), '--tls-cert-file', join(dir, 'cert.pem'), '--tls-key-file', join(dir, 'key.pem'), '--tls-ca-cert-file', join(dir, 'cert.pem'), '--tls-auth-clients', 'no', '--requirepass', token]);
    await server.start();
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('connects over TLS (servername checked), sends AUTH and SELECT before it is ready', async () => {
    const c = tlsClient({ ...parseRedisUrl(`rediss://:${token}@localhost:${server.port}/3`), tls: { ca } });
    await c.waitUntilReady(3_000);
    expect(await c.set('tls-key', 'über TLS')).toBe(true);
    expect(await c.get('tls-key')).toBe('über TLS');
    expect(await c.call('CLIENT', 'INFO')).toMatch(/ db=3 /);
    const db0 = tlsClient({ password: token, tls: { ca, servername: 'localhost' } });
    await db0.waitUntilReady(3_000);
    expect(await db0.get('tls-key')).toBeNull();
  });

  it('the ElastiCache way (host, token, TLS): connectRedis resolves ready; a wrong token rejects with the server’s message', async () => {
    const errors: Error[] = [];
    const ok = await connectRedis({ host: '127.0.0.1', port: server.port, password: token, tls: { ca, servername: 'localhost' }, connectTimeoutMs: 2_000, commandTimeoutMs: 500, onError: (e) => errors.push(e) });
    opened.push(ok);
    expect(ok.status).toBe('ready');
    expect(await ok.call('PING')).toBe('PONG');
    await expect(connectRedis({ host: '127.0.0.1', port: server.port, password: 'wrong-token-0123456789', tls: { ca, servername: 'localhost' }, connectTimeoutMs: 2_000, commandTimeoutMs: 500, onError: (e) => errors.push(e) })).rejects.toThrow(/^AUTH refused: WRONGPASS/);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/^AUTH refused: WRONGPASS/)]);
  });

  it('without a token every command is refused with NOAUTH; an untrusted certificate never gets ready', async () => {
    const c = tlsClient({ tls: { ca, servername: 'localhost' } });
    await c.waitUntilReady(3_000);
    await expect(c.get('k')).rejects.toThrow(/^NOAUTH Authentication required/);

    const errors: Error[] = [];
    const untrusted = tlsClient({ password: token, tls: { servername: 'localhost' }, onError: (e) => errors.push(e) });
    await expect(untrusted.waitUntilReady(1_000)).rejects.toThrow(/self-signed certificate/);
    expect(errors[0]?.message).toMatch(/self-signed certificate/);
  });
});
