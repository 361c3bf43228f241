import { isIP, connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions as TlsOptions } from 'node:tls';
import { encodeCommand, encodeCommands, ReplyParser, RedisReplyError, type RedisArgument, type RedisReply } from './resp.ts';

export { RedisReplyError, type RedisReply } from './resp.ts';

/** Not connected, the connection was lost with the command in flight, or the client was closed. */
export class RedisConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RedisConnectionError';
  }
}

/** A command got no reply within the command timeout (the connection is reset: a late reply would answer the wrong command). */
export class RedisTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisTimeoutError';
  }
}

interface RedisEndpoint {
  readonly host?: string;
  readonly port?: number;
  /** An ACL user (Redis 6+); AUTH is sent only with a password. */
  readonly username?: string;
  readonly password?: string;
  /** SELECT after AUTH when not 0. */
  readonly db?: number;
  /** TLS (servername: the host, unless it is an IP address); an object adds Node TLS options (`ca`, …). */
  readonly tls?: boolean | TlsOptions;
}

export interface RedisClientOptions extends RedisEndpoint {
  /** TCP (and TLS, AUTH, SELECT) must be done within this; else the attempt is dropped and retried. Default 1000. */
  readonly connectTimeoutMs?: number;
  /** A command without a reply after this rejects, and the connection is reset. Default 1000. */
  readonly commandTimeoutMs?: number;
  /** Backoff between reconnection attempts (doubling from `min` up to `max`, with jitter); false: never reconnect. Default 50–1000 ms. */
  readonly reconnect?: { readonly minDelayMs: number; readonly maxDelayMs: number } | false;
  /** Every connection failure (refused, reset, timed out, AUTH rejected…); the client goes on reconnecting by itself. */
  readonly onError?: (error: Error) => void;
}

type RedisStatus = 'connecting' | 'ready' | 'reconnecting' | 'closed';

/** Where the client connects unless told otherwise (parseRedisUrl reports them too). */
const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 6379;

/** `redis://[[user]:password@]host[:port][/db]`, or `rediss://…` for TLS. */
export function parseRedisUrl(url: string): RedisEndpoint {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`not a redis:// or rediss:// URL: ${parsed.protocol}`);
  const dbPath = parsed.pathname.replace(/^\//, '');
  if (dbPath !== '' && !/^\d+$/.test(dbPath)) throw new Error(`the path of a Redis URL is a database number, not "${dbPath}"`);
  const password = decodeURIComponent(parsed.password);
  const username = decodeURIComponent(parsed.username);
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || DEFAULT_HOST,
    port: parsed.port ? Number(parsed.port) : DEFAULT_PORT,
    ...(password && { password }),
    ...(password && username && { username }),
    ...(dbPath && { db: Number(dbPath) }),
    tls: parsed.protocol === 'rediss:',
  };
}

interface Pending {
  readonly resolve: (reply: RedisReply) => void;
  readonly reject: (error: Error) => void;
  /** Pipelines keep error replies as values; a single command rejects with them. */
  readonly errorsAsValues: boolean;
  /** performance.now() by which the reply is due (Infinity: the connection handshake, bounded by the connect timeout). */
  readonly deadline: number;
}

/** A waitUntilReady caller (its timer is cleared when it is settled). */
interface ReadyWaiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** First in, first out, without Array#shift's copying when many commands are in flight. */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  drain(): T[] {
    const items = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return items;
  }
}

/**
 * A small Redis/Valkey client (RESP2 over one `net`/`tls` connection), built to fail fast:
 *
 * - **No offline queue**: a command while the connection is not ready rejects at once.
 * - **Command timeout**: a command without a reply in time rejects, and the connection is reset
 *   (every command in flight rejects): replies are matched to commands by order only, so a late
 *   reply would answer the wrong command. One timer watches the oldest command (replies come in
 *   order, so it is always the first due), not one timer per command.
 * - **Connect timeout** over TCP, TLS and the handshake (AUTH, SELECT), which runs on every
 *   (re)connect before the client is ready.
 * - **Background reconnection** after any loss, with doubling delays (capped) and jitter, so the
 *   cache comes back by itself; no command is retried.
 * - **Pipelining**: commands issued in the same tick go out in one write; any number may be in
 *   flight; replies are matched in order. Error replies reject their own command only.
 *
 * The event loop: the socket is `unref`ed whenever no command is in flight, and the timers are
 * `unref`ed, so an idle client (connected, or waiting to reconnect) never keeps a process alive.
 * The Lambda runtime answers an async handler when its promise settles, whatever is open; but a
 * callback handler (`callbackWaitsForEmptyEventLoop`), `sls invoke local`, scripts and test
 * runners wait for an empty loop, and would hang on an idle connection. A command in flight does
 * keep the loop alive (ref), so an awaited command always gets its reply or its timeout.
 */
export class RedisClient {
  private readonly endpoint: RedisEndpoint;
  private readonly connectTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly reconnect: { readonly minDelayMs: number; readonly maxDelayMs: number } | false;
  private readonly onError: (error: Error) => void;
  private readonly parser: ReplyParser;
  private readonly pending = new Fifo<Pending>();
  private socket: Socket | undefined;
  private state: RedisStatus = 'connecting';
  private attempts = 0;
  private lastError: Error | undefined;
  /** Writes in the current tick (see write). */
  private tickWrites = 0;
  private connectTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private readonly readyWaiters = new Set<ReadyWaiter>();

  constructor(options: RedisClientOptions) {
    this.endpoint = options;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 1000;
    this.reconnect = options.reconnect ?? { minDelayMs: 50, maxDelayMs: 1000 };
    this.onError = options.onError ?? (() => undefined);
    this.parser = new ReplyParser(
      (reply) => this.onReply(reply),
      (error) => this.drop(error),
    );
    this.connect();
  }

  get status(): RedisStatus {
    return this.state;
  }

  /** Resolves once the client is ready; rejects after `timeoutMs`, when the server refuses the handshake (AUTH, SELECT), or when the client is closed. */
  waitUntilReady(timeoutMs: number): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    if (this.state === 'closed') return Promise.reject(new RedisConnectionError('the client is closed'));
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.readyWaiters.delete(waiter);
        reject(new RedisConnectionError(`not connected after ${timeoutMs} ms${this.lastError ? `: ${this.lastError.message}` : ''}`, { cause: this.lastError }));
      }, timeoutMs);
      this.readyWaiters.add(waiter);
    });
  }

  /** Any command, e.g. `call('GET', key)`; an error reply rejects with the server's message. */
  call(...args: RedisArgument[]): Promise<RedisReply> {
    if (this.state !== 'ready') return Promise.reject(this.notReady());
    return new Promise((resolve, reject) => {
      this.enqueue({ resolve, reject, errorsAsValues: false, deadline: performance.now() + this.commandTimeoutMs });
      this.write(encodeCommand(args));
    });
  }

  /** Several commands in one write; the replies in order, an error reply as a RedisReplyError value. Not atomic (see multi). */
  pipeline(commands: readonly (readonly RedisArgument[])[]): Promise<RedisReply[]> {
    if (commands.length === 0) return Promise.resolve([]);
    if (this.state !== 'ready') return Promise.reject(this.notReady());
    return new Promise((resolve, reject) => {
      const replies: RedisReply[] = [];
      const deadline = performance.now() + this.commandTimeoutMs;
      const collect = (reply: RedisReply) => {
        if (replies.push(reply) === commands.length) resolve(replies);
      };
      for (let i = 0; i < commands.length; i++) this.enqueue({ resolve: collect, reject, errorsAsValues: true, deadline });
      this.write(encodeCommands(commands));
    });
  }

  /**
   * The commands as one transaction (MULTI … EXEC, in one write): all of them apply or none.
   * Resolves with EXEC's replies (a command that failed while running is a RedisReplyError value
   * there, as Redis applies the others); rejects if a command is refused while queueing (EXECABORT).
   */
  async multi(commands: readonly (readonly RedisArgument[])[]): Promise<RedisReply[]> {
    const replies = await this.pipeline([['MULTI'], ...commands, ['EXEC']]);
    const refused = replies.find((reply) => reply instanceof RedisReplyError);
    const exec = replies.at(-1);
    if (refused && !Array.isArray(exec)) throw refused;
    if (!Array.isArray(exec)) throw new RedisReplyError('EXEC: the transaction was aborted');
    return exec;
  }

  async get(key: string): Promise<string | null> {
    return expectText(await this.call('GET', key), 'GET');
  }

  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    const reply = await this.call('MGET', ...keys);
    if (!Array.isArray(reply)) throw new RedisReplyError(`MGET: unexpected reply ${typeof reply}`);
    return reply as (string | null)[];
  }

  /** SET with an expiry (`px`) and only-if-absent (`nx`): true when the key was set, false when NX refused. */
  async set(key: string, value: RedisArgument, options: { readonly px?: number; readonly nx?: boolean } = {}): Promise<boolean> {
    const args: RedisArgument[] = ['SET', key, value];
    if (options.px !== undefined) args.push('PX', options.px);
    if (options.nx) args.push('NX');
    return (await this.call(...args)) === 'OK';
  }

  async hget(key: string, field: string): Promise<string | null> {
    return expectText(await this.call('HGET', key, field), 'HGET');
  }

  /** The number of fields that were new. */
  async hset(key: string, field: string, value: RedisArgument): Promise<number> {
    return expectInteger(await this.call('HSET', key, field, value), 'HSET');
  }

  async pexpire(key: string, ms: number): Promise<boolean> {
    return expectInteger(await this.call('PEXPIRE', key, ms), 'PEXPIRE') === 1;
  }

  /** The number of keys deleted. */
  async del(keys: readonly string[]): Promise<number> {
    return keys.length === 0 ? 0 : expectInteger(await this.call('DEL', ...keys), 'DEL');
  }

  async exists(keys: readonly string[]): Promise<number> {
    return expectInteger(await this.call('EXISTS', ...keys), 'EXISTS');
  }

  /** One SCAN step: the next cursor ('0' when done) and this step's keys. */
  async scan(cursor: string, options: { readonly match?: string; readonly count?: number } = {}): Promise<[string, string[]]> {
    const args: RedisArgument[] = ['SCAN', cursor];
    if (options.match !== undefined) args.push('MATCH', options.match);
    if (options.count !== undefined) args.push('COUNT', options.count);
    const reply = await this.call(...args);
    if (!Array.isArray(reply) || typeof reply[0] !== 'string' || !Array.isArray(reply[1])) throw new RedisReplyError('SCAN: unexpected reply');
    return [reply[0], reply[1] as string[]];
  }

  /** Waits for the commands in flight and QUIT's reply, then closes; no reconnection after it. */
  async quit(): Promise<void> {
    if (this.state !== 'ready') return this.disconnect();
    const bye = this.call('QUIT');
    this.state = 'closed';
    try {
      await bye;
    } catch {
      // Closed before the reply: closed all the same.
    } finally {
      this.disconnect();
    }
  }

  /** Closes at once: commands in flight reject; no reconnection after it. */
  disconnect(): void {
    this.state = 'closed';
    clearTimeout(this.reconnectTimer);
    this.drop(new RedisConnectionError('the client was closed'));
    this.settleReadyWaiters((waiter) => waiter.reject(new RedisConnectionError('the client was closed')));
  }

  private connect(): void {
    const { host = DEFAULT_HOST, port = DEFAULT_PORT, tls } = this.endpoint;
    this.state = this.attempts === 0 && this.lastError === undefined ? 'connecting' : 'reconnecting';
    const socket = tls
      ? connectTls({ host, port, ...(isIP(host) === 0 && { servername: host }), ...(typeof tls === 'object' && tls) })
      : connectTcp({ host, port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.unref();
    this.connectTimer = setTimeout(() => this.drop(new RedisConnectionError(`connecting to ${host}:${port} took longer than ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
    this.connectTimer.unref();
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      if (socket === this.socket) this.handshake();
    });
    socket.on('data', (chunk: Buffer) => {
      if (socket === this.socket) this.parser.feed(chunk);
    });
    socket.on('error', (error: Error) => {
      if (socket === this.socket) this.drop(error);
    });
    socket.on('close', () => {
      if (socket === this.socket) this.drop(new RedisConnectionError('the server closed the connection'));
    });
  }

  /** AUTH and SELECT, pipelined, before anything else on this connection. */
  private handshake(): void {
    const { username, password, db } = this.endpoint;
    const commands: RedisArgument[][] = [];
    if (password) commands.push(username ? ['AUTH', username, password] : ['AUTH', password]);
    if (db) commands.push(['SELECT', db]);
    let left = commands.length;
    if (left === 0) return this.becomeReady();
    for (const command of commands) {
      this.pending.push({
        resolve: () => {
          if (--left === 0) this.becomeReady();
        },
        reject: (error) => this.drop(error instanceof RedisReplyError ? new RedisReplyError(`${String(command[0])} refused: ${error.message}`) : error),
        errorsAsValues: false,
        deadline: Number.POSITIVE_INFINITY,
      });
    }
    this.write(encodeCommands(commands));
  }

  private becomeReady(): void {
    clearTimeout(this.connectTimer);
    this.state = 'ready';
    this.attempts = 0;
    this.lastError = undefined;
    this.settleReadyWaiters((waiter) => waiter.resolve());
  }

  /** Answers every waitUntilReady caller, once: each is forgotten. */
  private settleReadyWaiters(settle: (waiter: ReadyWaiter) => void): void {
    for (const waiter of this.readyWaiters) settle(waiter);
    this.readyWaiters.clear();
  }

  private notReady(): RedisConnectionError {
    return new RedisConnectionError(`not connected (${this.state})${this.lastError ? `: ${this.lastError.message}` : ''}`, { cause: this.lastError });
  }

  private enqueue(entry: Pending): void {
    this.pending.push(entry);
    if (this.pending.length === 1) this.socket!.ref();
    if (this.deadlineTimer === undefined) this.armDeadline(this.commandTimeoutMs);
  }

  /**
   * The first command of a tick is written at once (the common case: one command, no delay);
   * the ones after it in the same tick are corked and go out together on the next tick.
   */
  private write(payload: string | Buffer): void {
    const socket = this.socket!;
    if (this.tickWrites++ === 0) {
      process.nextTick(() => {
        if (socket === this.socket) this.tickWrites = 0;
        if (socket.writableCorked > 0) socket.uncork();
      });
    } else if (this.tickWrites === 2) socket.cork();
    socket.write(payload);
  }

  private onReply(reply: RedisReply): void {
    const entry = this.pending.shift();
    if (entry === undefined) return this.drop(new RedisConnectionError('a reply to no command: the stream is out of step'));
    if (this.pending.length === 0) this.socket!.unref();
    if (reply instanceof RedisReplyError && !entry.errorsAsValues) entry.reject(reply);
    else entry.resolve(reply);
  }

  private armDeadline(ms: number): void {
    this.deadlineTimer = setTimeout(() => this.checkDeadline(), ms);
    this.deadlineTimer.unref();
  }

  /**
   * The oldest command is the first due: look again when it will be due, or, once it is, time it
   * out. Not at once: timers run before the event loop reads its sockets, so after a busy stretch
   * (a long synchronous task, a GC pause, a thawed Lambda sandbox) the reply may be waiting unread.
   * The decision waits for one read (setImmediate runs after the loop's poll phase).
   */
  private checkDeadline(): void {
    this.deadlineTimer = undefined;
    const oldest = this.pending.peek();
    if (oldest === undefined || oldest.deadline === Number.POSITIVE_INFINITY) return;
    const left = oldest.deadline - performance.now();
    if (left > 0) return this.armDeadline(Math.ceil(left));
    setImmediate(() => {
      if (this.pending.peek() === oldest) return this.timeOut(oldest);
      // Answered after all; watch whatever is oldest now.
      if (this.pending.length > 0 && this.deadlineTimer === undefined) this.armDeadline(0);
    }).unref();
  }

  private timeOut(oldest: Pending): void {
    this.pending.shift();
    oldest.reject(new RedisTimeoutError(`no reply within ${this.commandTimeoutMs} ms`));
    this.drop(new RedisTimeoutError(`a command got no reply within ${this.commandTimeoutMs} ms; connection reset`));
  }

  /** The one way a connection ends: every command in flight rejects, then (unless closed) a reconnect is scheduled. */
  private drop(error: Error): void {
    const socket = this.socket;
    if (socket === undefined) return;
    this.socket = undefined;
    this.tickWrites = 0;
    clearTimeout(this.connectTimer);
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    socket.destroy();
    this.parser.reset();
    const closedByUs = this.state === 'closed';
    const lost = closedByUs ? error : new RedisConnectionError(`connection lost: ${error.message}`, { cause: error });
    for (const entry of this.pending.drain()) entry.reject(lost);
    if (closedByUs) return;
    this.lastError = error;
    this.onError(error);
    if (error instanceof RedisReplyError || this.reconnect === false) {
      // The server refused the handshake (a wrong AUTH token, a bad db), or no attempt follows: say so to whoever waits for ready now.
      this.settleReadyWaiters((waiter) => waiter.reject(error));
    }
    if (this.reconnect === false) {
      this.state = 'closed';
      return;
    }
    this.state = 'reconnecting';
    const cap = Math.min(this.reconnect.maxDelayMs, this.reconnect.minDelayMs * 2 ** Math.min(this.attempts++, 16));
    const delay = cap / 2 + Math.random() * (cap / 2);
    this.reconnectTimer = setTimeout(() => {
      if (this.state !== 'closed') this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }
}

function expectText(reply: RedisReply, command: string): string | null {
  if (reply === null || typeof reply === 'string') return reply;
  throw new RedisReplyError(`${command}: unexpected reply ${typeof reply}`);
}

function expectInteger(reply: RedisReply, command: string): number {
  if (typeof reply === 'number') return reply;
  throw new RedisReplyError(`${command}: unexpected reply ${typeof reply}`);
}

/** Deletes every key matching `pattern` (SCAN, then DEL per step): tests and the bench clean up their key prefix. */
export async function deleteKeysMatching(client: RedisClient, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, { match: pattern, count: 500 });
    await client.del(keys);
    cursor = next;
  } while (cursor !== '0');
}

/** RedisClient's options, the endpoint possibly as a URL; the cache always sets the timeouts and onError. */
interface RedisConnectionOptions extends RedisClientOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://…` (TLS), for the endpoint: the local stack and the tests. ElastiCache passes host, AUTH token and TLS instead. */
  readonly url?: string;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly onError: (error: Error) => void;
}

/**
 * The cache's client, tuned to fail fast (see RedisClient): waits at most the connect timeout for
 * the first connection; a client that is not ready by then is returned all the same (its calls fail
 * until it is, the breaker opens, and it reconnects in the background). A server that refuses the
 * handshake (wrong AUTH token) is not transient: that rejects, so the caller can build it again
 * with settings read afresh (LazyCacheStore re-reads the token after its retry delay).
 */
export async function connectRedis({ url, ...options }: RedisConnectionOptions): Promise<RedisClient> {
  const client = new RedisClient(url ? { ...options, ...parseRedisUrl(url) } : options);
  try {
    await client.waitUntilReady(options.connectTimeoutMs);
  } catch (error) {
    if (error instanceof RedisReplyError) {
      client.disconnect();
      throw error;
    }
    // Not ready in time: fail open; the breaker and the background reconnects take it from here.
  }
  return client;
}
