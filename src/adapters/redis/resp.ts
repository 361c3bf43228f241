/**
 * RESP2, the Redis serialization protocol (what Redis 7 and Valkey speak unless a client asks for
 * RESP3): commands go out as arrays of bulk strings, replies come back as simple strings, errors,
 * integers, bulk strings (or null) and arrays (nested, or null). Nothing here touches a socket.
 */

/** An argument of a command: strings are sent as UTF-8, buffers as they are, numbers in decimal. */
export type RedisArgument = string | number | Buffer;

/** A reply: bulk strings are decoded as UTF-8, integers are numbers (exact up to 2^53); an error inside an array (EXEC) stays an error value. */
export type RedisReply = string | number | null | RedisReplyError | RedisReply[];

/** The server answered a command with an error (`WRONGTYPE …`, `NOAUTH …`); the message is the server's. */
export class RedisReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisReplyError';
  }
}

/** The byte stream is not RESP2 (or not the reply we waited for): the connection cannot be trusted any more. */
export class RedisProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisProtocolError';
  }
}

/**
 * One command as RESP2 (`*<n>\r\n` then `$<bytes>\r\n<arg>\r\n` per argument; lengths in bytes).
 * A string when every argument is text (one write, no copies), else a buffer.
 */
export function encodeCommand(args: readonly RedisArgument[]): string | Buffer {
  let text = `*${args.length}\r\n`;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (typeof arg === 'string') text += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
    else if (typeof arg === 'number') {
      const digits = String(arg);
      text += `$${digits.length}\r\n${digits}\r\n`;
    } else return encodeWithBuffers(args);
  }
  return text;
}

function encodeWithBuffers(args: readonly RedisArgument[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg));
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

/** Several commands as one payload (a pipeline: one write, replies in the same order). */
export function encodeCommands(commands: readonly (readonly RedisArgument[])[]): string | Buffer {
  const encoded = commands.map(encodeCommand);
  return encoded.every((part) => typeof part === 'string') ? encoded.join('') : Buffer.concat(encoded.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)));
}

const CRLF = Buffer.from('\r\n');
const CR = 13;
const LF = 10;

interface ArrayFrame {
  readonly items: RedisReply[];
  readonly size: number;
}

/**
 * A streaming RESP2 reply parser: feed it the socket's chunks as they come (a reply may be split
 * across chunks, several replies may share one) and it calls `onReply` once per complete
 * top-level reply, in order. Incremental: a long bulk string is collected once, not re-parsed per
 * chunk; an array being filled keeps its items between chunks. Bytes that are not RESP2 call
 * `onError` and clear the state: the caller must drop the connection.
 */
export class ReplyParser {
  private readonly onReply: (reply: RedisReply) => void;
  private readonly onError: (error: RedisProtocolError) => void;
  /** Unparsed bytes (from `offset` on). */
  private buffer: Buffer | undefined;
  private offset = 0;
  /** Arrays whose items are still arriving, innermost last. */
  private frames: ArrayFrame[] = [];
  /** A bulk string body longer than what has arrived: its length, and the chunks so far. */
  private bulkLength = -1;
  private bulkChunks: Buffer[] = [];
  private bulkReceived = 0;

  constructor(onReply: (reply: RedisReply) => void, onError: (error: RedisProtocolError) => void) {
    this.onReply = onReply;
    this.onError = onError;
  }

  /** Forgets everything buffered (a new connection starts a new stream). */
  reset(): void {
    this.buffer = undefined;
    this.offset = 0;
    this.frames = [];
    this.bulkLength = -1;
    this.bulkChunks = [];
    this.bulkReceived = 0;
  }

  feed(chunk: Buffer): void {
    if (this.bulkLength >= 0) {
      this.bulkChunks.push(chunk);
      this.bulkReceived += chunk.length;
      if (this.bulkReceived < this.bulkLength + 2) return;
      const bytes = this.bulkChunks.length === 1 ? this.bulkChunks[0]! : Buffer.concat(this.bulkChunks, this.bulkReceived);
      const length = this.bulkLength;
      this.bulkChunks = [];
      this.bulkReceived = 0;
      this.bulkLength = -1;
      if (bytes[length] !== CR || bytes[length + 1] !== LF) return this.fail('bulk string not terminated by CRLF');
      this.buffer = bytes;
      this.offset = length + 2;
      if (!this.emit(bytes.toString('utf8', 0, length))) return;
    } else if (this.buffer !== undefined && this.offset < this.buffer.length) {
      this.buffer = Buffer.concat([this.buffer.subarray(this.offset), chunk]);
      this.offset = 0;
    } else {
      this.buffer = chunk;
      this.offset = 0;
    }
    this.parse();
  }

  private parse(): void {
    const buffer = this.buffer!;
    const end = buffer.length;
    while (this.offset < end) {
      const start = this.offset;
      const lineEnd = buffer.indexOf(CR, start + 1);
      if (lineEnd === -1 || lineEnd + 1 >= end) break; // the line has not fully arrived
      if (buffer[lineEnd + 1] !== LF) return this.fail('line not terminated by CRLF');
      let value: RedisReply;
      switch (buffer[start]) {
        case 0x2b: // '+' simple string
          value = buffer.toString('utf8', start + 1, lineEnd);
          break;
        case 0x2d: // '-' error
          value = new RedisReplyError(buffer.toString('utf8', start + 1, lineEnd));
          break;
        case 0x3a: {
          // ':' integer
          const n = readInteger(buffer, start + 1, lineEnd);
          if (n === undefined) return this.fail('malformed integer');
          value = n;
          break;
        }
        case 0x24: {
          // '$' bulk string
          const length = readInteger(buffer, start + 1, lineEnd);
          if (length === undefined || length < -1) return this.fail('malformed bulk string length');
          if (length === -1) {
            value = null;
            break;
          }
          const bodyStart = lineEnd + 2;
          if (bodyStart + length + 2 > end) {
            // The body is still arriving: collect it, without parsing again, in feed().
            this.bulkLength = length;
            this.bulkChunks = [buffer.subarray(bodyStart)];
            this.bulkReceived = end - bodyStart;
            this.buffer = undefined;
            this.offset = 0;
            return;
          }
          if (buffer[bodyStart + length] !== CR || buffer[bodyStart + length + 1] !== LF) return this.fail('bulk string not terminated by CRLF');
          value = buffer.toString('utf8', bodyStart, bodyStart + length);
          this.offset = bodyStart + length + 2;
          if (!this.emit(value)) return;
          continue;
        }
        case 0x2a: {
          // '*' array
          const size = readInteger(buffer, start + 1, lineEnd);
          if (size === undefined || size < -1) return this.fail('malformed array length');
          if (size > 0) {
            this.offset = lineEnd + 2;
            this.frames.push({ items: [], size });
            continue;
          }
          value = size === -1 ? null : [];
          break;
        }
        default:
          return this.fail(`unexpected reply type byte 0x${(buffer[start] ?? 0).toString(16)}`);
      }
      this.offset = lineEnd + 2;
      if (!this.emit(value)) return;
    }
    if (this.buffer === buffer && this.offset >= end) {
      this.buffer = undefined;
      this.offset = 0;
    }
  }

  /** Adds a value to the innermost open array, or hands a finished top-level reply out. False: stop (reset meanwhile). */
  private emit(value: RedisReply): boolean {
    let reply = value;
    for (;;) {
      const frame = this.frames.at(-1);
      if (frame === undefined) break;
      frame.items.push(reply);
      if (frame.items.length < frame.size) return true;
      this.frames.pop();
      reply = frame.items;
    }
    const buffer = this.buffer;
    this.onReply(reply);
    // onReply may have reset the parser (the connection was dropped): stop reading this buffer.
    return this.buffer === buffer;
  }

  private fail(message: string): void {
    this.reset();
    this.onError(new RedisProtocolError(message));
  }
}

/** A decimal integer in `buffer[from, to)`, optionally negative; undefined if it is not one. */
function readInteger(buffer: Buffer, from: number, to: number): number | undefined {
  if (from >= to) return undefined;
  const negative = buffer[from] === 0x2d;
  let i = negative ? from + 1 : from;
  if (i >= to) return undefined;
  let n = 0;
  for (; i < to; i++) {
    const digit = buffer[i]! - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    n = n * 10 + digit;
  }
  return negative ? -n : n;
}
