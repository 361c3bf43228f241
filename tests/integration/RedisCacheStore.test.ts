import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheUnavailableError, CircuitBreaker } from '../../src/adapters/redis/circuitBreaker.ts';
import { RedisCacheStore } from '../../src/adapters/redis/RedisCacheStore.ts';
import { connectRedis, type RedisEndpoint } from '../../src/adapters/redis/redisConnection.ts';
import { lazyRedisStore } from '../../src/composition/cache.ts';
import { freePort, PROJECT_ROOT, waitFor } from '../../scripts/lib/localStack.ts';
import { deleteKeysMatching } from '../../scripts/lib/redisKeys.ts';
import { redisServer } from '../support/redisServer.ts';
import { tcpProxy } from '../support/tcpProxy.ts';

/** The machine's Redis (never stopped or reconfigured here); every key of this run lives under its own prefix. */
const SHARED_REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `store-${randomUUID().slice(0, 8)}:`;
const closeAfterwards: { disconnect(): void }[] = [];

/** The production settings, but a command timeout that tolerates a loaded test machine. */
const TIMEOUTS = { connectTimeoutMs: 2_000, commandTimeoutMs: 500 };

async function client(endpoint: RedisEndpoint = { url: SHARED_REDIS }, options: Partial<Parameters<typeof connectRedis>[1]> = {}): Promise<Redis> {
  const redis = await connectRedis(endpoint, { ...TIMEOUTS, onError: () => undefined, ...options });
  closeAfterwards.push(redis);
  return redis;
}

async function store(redis?: Redis, openMs = 60_000): Promise<RedisCacheStore> {
  return new RedisCacheStore(redis ?? (await client()), new CircuitBreaker({ failureThreshold: 3, openMs }));
}

/** The call's failure, unwrapped from the breaker's CacheUnavailableError (its cause: the client's error). */
async function failure(call: Promise<unknown>): Promise<Error> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (error === undefined) throw new Error('the call succeeded');
  expect(error).toBeInstanceOf(CacheUnavailableError);
  return (error.cause as Error | undefined) ?? error;
}

/** A TCP server that accepts connections and never answers (a hung server, as far as a client can tell). */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return {
    port: address.port,
    close: () =>
      new Promise((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}

let admin: Redis;
beforeAll(() => {
  admin = new Redis(SHARED_REDIS);
});
afterAll(async () => {
  for (const c of closeAfterwards) c.disconnect();
  await deleteKeysMatching(admin, `${PREFIX}*`);
  await admin.quit();
});

describe('RedisCacheStore against the machine’s Redis', () => {
  it('round-trips values exactly (multi-byte UTF-8, CRLF inside, empty, 8 MB): pipelined SET PX, MGET', async () => {
    const s = await store();
    const values = ['héllo ✓ 世界 🎉', 'line\r\nbreak\r\n', '', '*1\r\n$3\r\nnot a command', 'ü'.repeat(4 * 1024 * 1024)];
    const keys = values.map((_, i) => `${PREFIX}value:${i}`);
    await s.set(values.map((value, i) => ({ key: keys[i]!, value, ttlMs: 60_000 })));
    expect(await s.get([...keys, `${PREFIX}absent`])).toEqual([...values, undefined]);
    expect(await admin.strlen(keys[4]!)).toBe(8 * 1024 * 1024);
    for (const key of keys) {
      const pttl = await admin.pttl(key);
      expect(pttl).toBeGreaterThan(55_000);
      expect(pttl).toBeLessThanOrEqual(60_000);
    }
    expect(await s.get([])).toEqual([]);
    await s.set([]);
  });

  it('writes a hash field and its expiry in one MULTI/EXEC, deletes with one DEL, locks with SET NX PX', async () => {
    const s = await store();
    const hash = `${PREFIX}hash`;
    await s.setField(hash, 'public|20', 'page', 60_000);
    expect(await s.getField(hash, 'public|20')).toBe('page');
    expect(await s.getField(hash, 'missing')).toBeUndefined();
    expect(await admin.pttl(hash)).toBeGreaterThan(55_000);

    const lock = `${PREFIX}lock`;
    expect(await s.tryLock(lock, 2_000)).toBe(true);
    expect(await s.tryLock(lock, 2_000)).toBe(false);
    expect(await admin.pttl(lock)).toBeGreaterThan(1_500);

    await s.delete([hash, lock, `${PREFIX}absent`]);
    expect(await admin.exists(hash, lock)).toBe(0);
    await s.delete([]);

    // A transaction whose command fails while EXEC runs fails the call (Redis applies the rest: the expiry).
    await admin.set(`${PREFIX}string`, 'plain');
    expect((await failure(s.setField(`${PREFIX}string`, 'f', 'v', 60_000))).message).toMatch(/^WRONGTYPE/);
  });

  it('fails a call the server refuses with the server’s message, and only that call', async () => {
    const s = await store();
    const key = `${PREFIX}refused`;
    await admin.set(key, 'plain');
    const results = await Promise.allSettled([s.get([key]), s.getField(key, 'f'), s.get([key, key]), s.tryLock(key, 1_000)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const refused = (results[1] as PromiseRejectedResult).reason as CacheUnavailableError;
    expect((refused.cause as Error).message).toBe('WRONGTYPE Operation against a key holding the wrong kind of value');
    expect(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))).toEqual([['plain'], ['plain', 'plain'], false]);
  });

  it('answers 1000 concurrent calls, each with its own reply', async () => {
    // Replies matched to their calls, not speed: a timeout a loaded machine cannot miss.
    const s = await store(await client({ url: SHARED_REDIS }, { commandTimeoutMs: 10_000 }));
    const keys = Array.from({ length: 1000 }, (_, i) => `${PREFIX}many:${i}`);
    await Promise.all(keys.map((key) => s.set([{ key, value: `value of ${key} ✓`, ttlMs: 60_000 }])));
    const values = await Promise.all(keys.map((key) => s.get([key])));
    expect(values).toEqual(keys.map((key) => [`value of ${key} ✓`]));
  });

  it('reconnects by itself after the server drops the connection (CLIENT KILL), failing fast meanwhile', async () => {
    const errors: Error[] = [];
    const redis = await client({ url: SHARED_REDIS }, { onError: (e) => errors.push(e) });
    const s = await store(redis);
    const id = await redis.client('ID');
    const reconnecting = once(redis, 'reconnecting');
    expect(await admin.client('KILL', 'ID', id)).toBe(1);
    await reconnecting;
    // No offline queue: a call while reconnecting fails at once, it does not wait for the connection.
    const started = performance.now();
    expect((await failure(s.get([`${PREFIX}k`]))).message).toMatch(/Stream isn't writeable/);
    expect(performance.now() - started).toBeLessThan(50);
    await once(redis, 'ready');
    expect(await s.get([`${PREFIX}k`])).toEqual([undefined]);
    expect(await redis.client('ID')).not.toBe(id);
  });

  it('fails open when nothing listens: connectRedis returns a client that is not ready, whose calls fail at once, and which keeps trying', async () => {
    const errors: Error[] = [];
    const started = performance.now();
    const redis = await client({ url: `redis://127.0.0.1:${await freePort()}` }, { connectTimeoutMs: 300, onError: (e) => errors.push(e) });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(redis.status).toBe('reconnecting');
    expect((await failure((await store(redis)).get(['k']))).message).toMatch(/Stream isn't writeable/);
    expect(errors.length).toBeGreaterThan(1);
    expect(errors[0]!.message).toMatch(/ECONNREFUSED/);
  });

  it('bounds the connection against a server that never answers: the handshake times out, the client is returned not ready', async () => {
    const silent = await silentServer();
    try {
      const errors: Error[] = [];
      const started = performance.now();
      const redis = await client({ host: '127.0.0.1', port: silent.port, password: 'never-checked' }, { connectTimeoutMs: 300, commandTimeoutMs: 80, onError: (e) => errors.push(e) });
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(redis.status).not.toBe('ready');
      expect(errors.map((e) => e.message)).toContain('Command timed out');
      expect((await failure((await store(redis)).get(['k']))).message).toMatch(/Stream isn't writeable/);
    } finally {
      await silent.close();
    }
  });

  it('never keeps a process alive while idle (connected, or waiting to reconnect)', async () => {
    const module = join(PROJECT_ROOT, 'src/adapters/redis/redisConnection.ts');
    const script = `
      import { connectRedis } from ${JSON.stringify(module)};
      const options = { connectTimeoutMs: 2000, commandTimeoutMs: 1000, onError: () => undefined };
      const up = await connectRedis({ url: ${JSON.stringify(SHARED_REDIS)} }, options);
      console.log(await up.ping());
      await connectRedis({ url: 'redis://127.0.0.1:${await freePort()}' }, { ...options, connectTimeoutMs: 200 }); // refused: reconnecting, with its timers
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

describe('command timeout (a redis-server of its own, paused)', () => {
  let server: ReturnType<typeof redisServer>;
  beforeAll(async () => {
    server = redisServer(await freePort());
    await server.start();
  });
  afterAll(() => server?.stop());

  it('fails a call without a reply in time, and the connection stays usable once the server answers again', async () => {
    const redis = await client({ url: `redis://127.0.0.1:${server.port}` }, { commandTimeoutMs: 100 });
    const s = await store(redis, 100);
    const pauser = new Redis(server.port, '127.0.0.1');
    try {
      // Written by another client: on a loaded machine the store's first call may itself miss 100 ms.
      await pauser.set('k', 'v', 'PX', 60_000);
      await pauser.client('PAUSE', 600, 'ALL');
      const started = performance.now();
      expect((await failure(s.get(['k']))).message).toBe('Command timed out');
      expect(performance.now() - started).toBeLessThan(500);
      // The late reply is matched to the command it answers (and dropped): the next call gets its own.
      await waitFor('the pause to end', async () => expect(await s.get(['k'])).toEqual(['v']), 5_000);
      expect(redis.status).toBe('ready');
    } finally {
      await pauser.quit();
    }
  });
});

describe('AUTH and TLS (a redis-server of its own, TLS only, with requirepass)', () => {
  const token = `token-${randomUUID()}`;
  let dir: string;
  let ca: string;
  let server: ReturnType<typeof redisServer>;
  const elastiCacheWay = (password?: string, tls: object = { ca, servername: 'localhost' }): RedisEndpoint => ({ host: '127.0.0.1', port: server.port, ...(password !== undefined && { password }), tls });

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

  it('connects the ElastiCache way (host, token, TLS with the servername checked), and by a rediss:// URL with a database', async () => {
    const s = await store(await client(elastiCacheWay(token)));
    await s.set([{ key: 'tls-key', value: 'über TLS', ttlMs: 60_000 }]);
    expect(await s.get(['tls-key'])).toEqual(['über TLS']);

    const db3 = await client({ url: `rediss://:${token}@localhost:${server.port}/3`, tls: { ca } });
    expect(await db3.client('INFO')).toMatch(/ db=3 /);
    expect(await db3.get('tls-key')).toBeNull();
  });

  it('rejects a wrong token or none with the server’s message; an untrusted certificate never gets ready', async () => {
    const errors: Error[] = [];
    await expect(client(elastiCacheWay('wrong-token-0123456789'), { onError: (e) => errors.push(e) })).rejects.toThrow(/^WRONGPASS/);
    await expect(client(elastiCacheWay())).rejects.toThrow(/^NOAUTH/);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/^WRONGPASS/)]);

    const untrusted: Error[] = [];
    const redis = await client(elastiCacheWay(token, { servername: 'localhost' }), { connectTimeoutMs: 500, onError: (e) => untrusted.push(e) });
    expect(redis.status).not.toBe('ready');
    expect(untrusted[0]?.message).toMatch(/self-signed certificate/);
  });

  it('recovers from a rotated AUTH token: the refused store is dropped and built again with the token read afresh', async () => {
    const next = `rotated-${randomUUID()}`;
    // A settings source as Powertools Parameters will be: a cached token unless told to fetch afresh.
    const source = { cached: token, current: token, reads: [] as boolean[] };
    const endpoint = ({ forceFetch }: { forceFetch: boolean }) => {
      source.reads.push(forceFetch);
      if (forceFetch) source.cached = source.current;
      return Promise.resolve(elastiCacheWay(source.cached));
    };
    const lazy = lazyRedisStore(endpoint, { CACHE_CONNECT_TIMEOUT_MS: 2_000, CACHE_COMMAND_TIMEOUT_MS: 500, CACHE_BREAKER_OPEN_MS: 300 });
    closeAfterwards.push({ disconnect: () => lazy.close() });
    await lazy.set([{ key: 'rotation', value: 'before', ttlMs: 60_000 }]);
    expect(source.reads).toEqual([false]);

    const operator = await client(elastiCacheWay(token));
    try {
      await operator.config('SET', 'requirepass', next);
      source.current = next;
      // The store's connection goes (as on a failover or a maintenance); its reconnect sends the old token.
      expect(await operator.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes')).toBeGreaterThan(0);
      await waitFor('the store to answer with the new token', async () => expect(await lazy.get(['rotation'])).toEqual(['before']), 10_000);
      expect(source.reads).toEqual([false, true]);
      await lazy.set([{ key: 'rotation', value: 'after', ttlMs: 60_000 }]);
      expect(await operator.get('rotation')).toBe('after');
    } finally {
      await operator.config('SET', 'requirepass', token);
    }
  });
});

describe('failover: a replica promoted behind the primary endpoint (redis-servers of its own behind a TCP proxy)', () => {
  let a: ReturnType<typeof redisServer>;
  let b: ReturnType<typeof redisServer>;
  let proxy: Awaited<ReturnType<typeof tcpProxy>>;
  let adminA: Redis;
  let adminB: Redis;

  beforeAll(async () => {
    a = redisServer(await freePort());
    b = redisServer(await freePort());
    await Promise.all([a.start(), b.start()]);
    adminA = new Redis(a.port, '127.0.0.1');
    adminB = new Redis(b.port, '127.0.0.1');
    await adminB.replicaof('127.0.0.1', a.port);
    await waitFor('B to replicate A', async () => expect(await adminB.info('replication')).toMatch(/master_link_status:up/), 10_000);
    proxy = await tcpProxy(a.port);
  });
  afterAll(async () => {
    await Promise.allSettled([adminA?.quit(), adminB?.quit()]);
    await proxy?.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('recovers fills, deletes and locks on the new primary without building a new store (READONLY recycles the connection)', async () => {
    let builds = 0;
    const lazy = lazyRedisStore(
      () => {
        builds++;
        return Promise.resolve({ url: `redis://127.0.0.1:${proxy.port}` });
      },
      { CACHE_CONNECT_TIMEOUT_MS: 2_000, CACHE_COMMAND_TIMEOUT_MS: 500, CACHE_BREAKER_OPEN_MS: 200 },
    );
    closeAfterwards.push({ disconnect: () => lazy.close() });
    await lazy.set([{ key: 'entity:1', value: 'v1', ttlMs: 60_000 }]);
    await lazy.setField('name:x', 'public|20', 'page', 60_000);
    expect(await lazy.tryLock('lock:1', 60_000)).toBe(true);
    expect(await adminA.get('entity:1')).toBe('v1');

    // The failover: B is promoted, A becomes its replica, the endpoint moves to B for new connections.
    await adminB.replicaof('NO', 'ONE');
    await adminA.replicaof('127.0.0.1', b.port);
    proxy.retarget(b.port);
    await waitFor('A to replicate B', async () => expect(await adminA.info('replication')).toMatch(/master_link_status:up/), 10_000);

    // The store's connection is still on A, which now refuses writes; the first write meets READONLY.
    const errors: string[] = [];
    const attempt = async <T>(call: () => Promise<T>): Promise<T> => {
      try {
        return await call();
      } catch (error) {
        errors.push(((error as Error).cause as Error | undefined)?.message ?? (error as Error).message);
        throw error;
      }
    };
    await waitFor('a fill to land on B', async () => {
      await attempt(() => lazy.set([{ key: 'entity:2', value: 'v2', ttlMs: 60_000 }]));
      expect(await adminB.get('entity:2')).toBe('v2');
    }, 10_000);
    // The write that met READONLY failed with it, and the connection was made again.
    expect(await adminA.info('errorstats')).toMatch(/^errorstat_READONLY:count=[1-9]/m);
    expect(errors[0]).toMatch(/^READONLY/);
    await attempt(() => lazy.delete(['entity:1']));
    expect(await adminB.exists('entity:1')).toBe(0);
    expect(await attempt(() => lazy.tryLock('lock:2', 60_000))).toBe(true);
    expect(await adminB.pttl('lock:2')).toBeGreaterThan(55_000);
    await attempt(() => lazy.setField('name:x', 'public|20', 'page 2', 60_000));
    expect(await adminB.hget('name:x', 'public|20')).toBe('page 2');
    // Recovered by the same store: built once, never rebuilt.
    expect(builds).toBe(1);
    expect(lazy.isBuilt).toBe(true);
  });
});
