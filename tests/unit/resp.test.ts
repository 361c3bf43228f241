import { describe, expect, it } from 'vitest';
import { encodeCommand, encodeCommands, RedisReplyError, ReplyParser, type RedisProtocolError, type RedisReply } from '../../src/adapters/redis/resp.ts';
import { parseRedisUrl } from '../../src/adapters/redis/redisClient.ts';

function parser() {
  const replies: RedisReply[] = [];
  const errors: RedisProtocolError[] = [];
  return { replies, errors, parser: new ReplyParser((reply) => replies.push(reply), (error) => errors.push(error)) };
}

/** One stream of every reply type, with the values it must parse to. */
const STREAM = Buffer.concat([
  Buffer.from('+OK\r\n'),
  Buffer.from('-WRONGTYPE Operation against a key holding the wrong kind of value\r\n'),
  Buffer.from(':42\r\n:-7\r\n:0\r\n'),
  Buffer.from('$-1\r\n$0\r\n\r\n'),
  Buffer.from(`$${Buffer.byteLength('héllo ✓ 世界 🎉')}\r\nhéllo ✓ 世界 🎉\r\n`),
  Buffer.from('$12\r\nline\r\nbreaks\r\n'),
  Buffer.from('*-1\r\n*0\r\n'),
  Buffer.from('*3\r\n$1\r\na\r\n$-1\r\n*2\r\n:1\r\n*1\r\n+deep\r\n'),
  Buffer.from('*2\r\n+OK\r\n-ERR inside an array\r\n'),
]);
const EXPECTED: RedisReply[] = [
  'OK',
  new RedisReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'),
  42,
  -7,
  0,
  null,
  '',
  'héllo ✓ 世界 🎉',
  'line\r\nbreaks',
  null,
  [],
  ['a', null, [1, ['deep']]],
  ['OK', new RedisReplyError('ERR inside an array')],
];

describe('the RESP2 reply parser', () => {
  it('parses every reply type from one chunk (replies packed together)', () => {
    const { parser: p, replies, errors } = parser();
    p.feed(STREAM);
    expect(replies).toEqual(EXPECTED);
    expect(replies[1]).toBeInstanceOf(RedisReplyError);
    expect(errors).toEqual([]);
  });

  it('gives the same replies however the stream is split: at every byte, and byte by byte', () => {
    for (let cut = 1; cut < STREAM.length; cut++) {
      const { parser: p, replies, errors } = parser();
      p.feed(STREAM.subarray(0, cut));
      p.feed(STREAM.subarray(cut));
      expect(replies, `split at ${cut}`).toEqual(EXPECTED);
      expect(errors).toEqual([]);
    }
    const { parser: p, replies } = parser();
    for (let i = 0; i < STREAM.length; i++) p.feed(STREAM.subarray(i, i + 1));
    expect(replies).toEqual(EXPECTED);
  });

  it('splits inside a multi-byte character without garbling it', () => {
    const value = '€'.repeat(1000) + '🎉';
    const wire = Buffer.from(`$${Buffer.byteLength(value)}\r\n${value}\r\n`);
    const { parser: p, replies } = parser();
    // 7 bytes at a time: never aligned with the 3-byte euro signs.
    for (let i = 0; i < wire.length; i += 7) p.feed(wire.subarray(i, i + 7));
    expect(replies).toEqual([value]);
  });

  it('collects a large bulk string from many chunks, then goes on with what follows it', () => {
    const big = 'x'.repeat(3 * 1024 * 1024);
    const wire = Buffer.concat([Buffer.from(`*2\r\n$${big.length}\r\n${big}\r\n`), Buffer.from(':1\r\n'), Buffer.from('+after\r\n')]);
    const { parser: p, replies } = parser();
    for (let i = 0; i < wire.length; i += 65_536) p.feed(wire.subarray(i, i + 65_536));
    expect(replies).toHaveLength(2);
    expect((replies[0] as string[])[0]).toHaveLength(big.length);
    expect((replies[0] as RedisReply[])[1]).toBe(1);
    expect(replies[1]).toBe('after');
  });

  it('reports bytes that are not RESP2 and starts afresh after reset', () => {
    const { parser: p, replies, errors } = parser();
    p.feed(Buffer.from('+OK\r\n?what\r\n+never\r\n'));
    expect(replies).toEqual(['OK']);
    expect(errors.map((e) => e.message)).toEqual(['unexpected reply type byte 0x3f']);
    p.feed(Buffer.from('$3\r\nabcXY'));
    expect(errors.at(-1)?.message).toBe('bulk string not terminated by CRLF');
    p.reset();
    p.feed(Buffer.from(':5\r\n'));
    expect(replies).toEqual(['OK', 5]);
  });

  it('stops reading a chunk when the consumer resets it (the connection was dropped)', () => {
    const replies: RedisReply[] = [];
    const p: ReplyParser = new ReplyParser(
      (reply) => {
        replies.push(reply);
        p.reset();
      },
      () => undefined,
    );
    p.feed(Buffer.from('+one\r\n+two\r\n'));
    expect(replies).toEqual(['one']);
  });
});

describe('command encoding', () => {
  it('sends arrays of bulk strings with byte lengths (UTF-8), numbers in decimal, buffers as they are', () => {
    expect(encodeCommand(['SET', 'k', 'héllo', 'PX', 300])).toBe('*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\nhéllo\r\n$2\r\nPX\r\n$3\r\n300\r\n');
    expect(encodeCommand(['ECHO', '🎉'])).toBe('*2\r\n$4\r\nECHO\r\n$4\r\n🎉\r\n');
    const binary = Buffer.from([0, 13, 10, 255]);
    expect(encodeCommand(['SET', 'k', binary])).toEqual(Buffer.concat([Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\n'), binary, Buffer.from('\r\n')]));
    expect(encodeCommands([['MULTI'], ['EXEC']])).toBe('*1\r\n$5\r\nMULTI\r\n*1\r\n$4\r\nEXEC\r\n');
    expect(encodeCommands([['PING'], ['ECHO', binary]])).toEqual(Buffer.concat([Buffer.from('*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$4\r\n'), binary, Buffer.from('\r\n')]));
  });
});

describe('Redis URLs', () => {
  it('reads host, port, password, user, database and TLS', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({ host: '127.0.0.1', port: 6379, tls: false });
    expect(parseRedisUrl('redis://cache')).toEqual({ host: 'cache', port: 6379, tls: false });
    expect(parseRedisUrl('rediss://:s%40cret@cache.example:6380/2')).toEqual({ host: 'cache.example', port: 6380, password: 's@cret', db: 2, tls: true });
    expect(parseRedisUrl('redis://app:pw@[::1]:7000/0')).toEqual({ host: '::1', port: 7000, username: 'app', password: 'pw', db: 0, tls: false });
    expect(() => parseRedisUrl('http://cache:6379')).toThrow(/redis:\/\//);
    expect(() => parseRedisUrl('redis://cache/zero')).toThrow(/database number/);
  });
});
