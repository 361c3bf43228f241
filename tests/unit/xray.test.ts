import { createSocket, type Socket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { DaemonClient, DEFAULT_DAEMON_ADDRESS, parseDaemonAddress } from '../../src/observability/xray/daemon.ts';
import { anchorClock, MAX_DOCUMENT_BYTES, sampledTraceOf, Subsegment } from '../../src/observability/xray/subsegment.ts';

describe('parseDaemonAddress (AWS_XRAY_DAEMON_ADDRESS)', () => {
  it('reads host:port as Lambda sets it', () => {
    expect(parseDaemonAddress('169.254.79.129:2000')).toEqual({ host: '169.254.79.129', port: 2000 });
    expect(parseDaemonAddress(' localhost:2001 ')).toEqual({ host: 'localhost', port: 2001 });
  });

  it('takes the UDP address of the two-address form, in either order', () => {
    expect(parseDaemonAddress('tcp:127.0.0.1:2000 udp:127.0.0.2:2001')).toEqual({ host: '127.0.0.2', port: 2001 });
    expect(parseDaemonAddress('udp:10.0.0.1:3000 tcp:10.0.0.2:4000')).toEqual({ host: '10.0.0.1', port: 3000 });
    expect(parseDaemonAddress('udp:10.0.0.1:3000')).toEqual({ host: '10.0.0.1', port: 3000 });
  });

  it('refuses anything else (the tracer then uses the default 127.0.0.1:2000)', () => {
    for (const value of ['', '127.0.0.1', ':2000', '127.0.0.1:0', '127.0.0.1:65536', '127.0.0.1:20x0', 'tcp:127.0.0.1:2000 tcp:127.0.0.1:2001', 'a:1 b:2 c:3', 'tcp:127.0.0.1:2000']) {
      expect(parseDaemonAddress(value), value).toBeUndefined();
    }
    expect(DEFAULT_DAEMON_ADDRESS).toEqual({ host: '127.0.0.1', port: 2000 });
  });
});

describe('DaemonClient', () => {
  it('sends the header line and the document in one datagram, and swallows a send that fails', async () => {
    const daemon = createSocket('udp4');
    const received: string[] = [];
    daemon.on('message', (message) => received.push(message.toString()));
    await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
    process.env.AWS_XRAY_DAEMON_ADDRESS = `127.0.0.1:${daemon.address().port}`;
    try {
      const client = new DaemonClient();
      client.send('x'.repeat(70_000)); // over the UDP limit: EMSGSIZE, reported to no one
      client.send('{"id":"1"}');
      await expect.poll(() => received).toEqual(['{"format":"json","version":1}\n{"id":"1"}']);
    } finally {
      delete process.env.AWS_XRAY_DAEMON_ADDRESS;
      daemon.close();
    }
  });

  it('delivers in order what was sent while it connected, and keeps sending after a datagram nobody received', async () => {
    const daemon = createSocket('udp4');
    await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
    const port = daemon.address().port;
    process.env.AWS_XRAY_DAEMON_ADDRESS = `127.0.0.1:${port}`;
    const client = new DaemonClient();
    let again: Socket | undefined;
    try {
      const received: string[] = [];
      daemon.on('message', (message) => received.push(message.toString().split('\n')[1]!));
      for (let i = 0; i < 3; i++) client.send(`{"id":"${i}"}`); // the first invocation: the socket is still connecting
      await expect.poll(() => received).toEqual(['{"id":"0"}', '{"id":"1"}', '{"id":"2"}']);
      await new Promise<void>((resolve) => daemon.close(resolve));
      client.send('{"id":"lost"}'); // nobody listens: refused (ICMP), reported on the socket, ignored
      await new Promise((resolve) => setTimeout(resolve, 50));
      again = createSocket('udp4');
      await new Promise<void>((resolve) => again!.bind(port, '127.0.0.1', resolve));
      const later: string[] = [];
      again.on('message', (message) => later.push(message.toString().split('\n')[1]!));
      client.send('{"id":"3"}');
      await expect.poll(() => later).toEqual(['{"id":"3"}']);
    } finally {
      delete process.env.AWS_XRAY_DAEMON_ADDRESS;
      again?.close();
    }
  });
});

describe('sampledTraceOf (the invocation trace header)', () => {
  const root = '1-5759e988-bd862e3fe1be46a994272793';
  it('gives the trace id and the Lambda segment as parent when sampled', () => {
    expect(sampledTraceOf(`Root=${root};Parent=53995c3f42cd8ad8;Sampled=1`)).toEqual({ traceId: root, parentId: '53995c3f42cd8ad8' });
    expect(sampledTraceOf(`Root=${root};Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1|68fd508a:5`)).toEqual({ traceId: root, parentId: '53995c3f42cd8ad8' });
    expect(sampledTraceOf(`Sampled=1;Root=${root}; Parent=53995c3f42cd8ad8`)).toEqual({ traceId: root, parentId: '53995c3f42cd8ad8' });
    expect(sampledTraceOf(`Root=${root}; Parent=53995c3f42cd8ad8; Sampled = 1 `)).toEqual({ traceId: root, parentId: '53995c3f42cd8ad8' });
  });

  it('gives nothing when not sampled, incomplete or missing', () => {
    expect(sampledTraceOf(`Root=${root};Parent=53995c3f42cd8ad8;Sampled=0`)).toBeUndefined();
    expect(sampledTraceOf(`Root=${root};Parent=53995c3f42cd8ad8;Sampled=10`)).toBeUndefined();
    expect(sampledTraceOf(`Root=${root};Parent=53995c3f42cd8ad8;NotSampled=1`)).toBeUndefined();
    expect(sampledTraceOf(`Root=${root};Parent=53995c3f42cd8ad8;Sampled=?`)).toBeUndefined();
    expect(sampledTraceOf(`Root=${root};Sampled=1`)).toBeUndefined();
    expect(sampledTraceOf(`Parent=53995c3f42cd8ad8;Sampled=1`)).toBeUndefined();
    expect(sampledTraceOf(root)).toBeUndefined();
    expect(sampledTraceOf('')).toBeUndefined();
    expect(sampledTraceOf(undefined)).toBeUndefined();
  });
});

describe('Subsegment documents', () => {
  const trace = { traceId: '1-5759e988-bd862e3fe1be46a994272793', parentId: '53995c3f42cd8ad8' };

  it('times in epoch seconds with sub-millisecond precision, in order across invocations', () => {
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      anchorClock();
      const s = new Subsegment('x', trace);
      s.end();
      times.push(s.startTime, s.endTime!);
    }
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(Math.abs(times[0]! * 1000 - Date.now())).toBeLessThan(50);
    expect(times.some((t) => !Number.isInteger(t * 1000))).toBe(true);
  });

  it('flags by status: 429 throttle and error, 4xx error, 5xx fault, 2xx nothing', () => {
    const flags = (status: number) => {
      const s = new Subsegment('x', trace);
      s.flagStatus(status);
      return { error: s.error, throttle: s.throttle, fault: s.fault };
    };
    expect(flags(200)).toEqual({ error: false, throttle: false, fault: false });
    expect(flags(404)).toEqual({ error: true, throttle: false, fault: false });
    expect(flags(429)).toEqual({ error: true, throttle: true, fault: false });
    expect(flags(503)).toEqual({ error: false, throttle: false, fault: true });
  });

  it('cuts long messages and stacks, and stays under the 64 KB datagram whatever the cause', () => {
    const s = new Subsegment('## handler', trace);
    const error = new Error('m'.repeat(100_000));
    error.stack = `Error: ${error.message}\n${Array.from({ length: 500 }, (_, i) => `    at frame${i} (/var/task/${'p'.repeat(1000)}.js:${i + 1}:7)`).join('\n')}`;
    s.addCause(error);
    s.addCause(new RangeError('r'.repeat(100_000)), true);
    s.end();
    const text = s.toDocument();
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_DOCUMENT_BYTES);
    const document = JSON.parse(text);
    expect(document).toMatchObject({ type: 'subsegment', id: s.id, trace_id: trace.traceId, parent_id: trace.parentId, name: '## handler', start_time: s.startTime, end_time: s.endTime });
    const [own, remote] = document.cause.exceptions;
    expect(own.type).toBe('Error');
    expect(own.message.length).toBeLessThanOrEqual(1025);
    expect(own.stack).toHaveLength(10);
    expect(own.stack[0]).toEqual({ label: 'frame0', path: expect.stringMatching(/p\.js$/), line: 1 });
    expect(own.truncated).toBe(490);
    expect(remote).toMatchObject({ type: 'RangeError', remote: true });
    expect(remote.stack).toBeUndefined();
  });

  it('falls back to type and message alone when the cause alone would exceed the limit', () => {
    const s = new Subsegment('## handler', trace);
    for (let i = 0; i < 100; i++) s.addCause(new Error('e'.repeat(2000)));
    s.end();
    const text = s.toDocument();
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_DOCUMENT_BYTES);
    const { cause } = JSON.parse(text);
    expect(cause.exceptions).toHaveLength(100);
    expect(cause.exceptions[0]).toEqual({ id: expect.stringMatching(/^[0-9a-f]{16}$/), type: 'Error', message: 'e'.repeat(256) });
  });
});
