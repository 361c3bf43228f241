import { createSocket } from 'node:dgram';

export interface XrayDaemonStandIn {
  /** `host:port`, as AWS_XRAY_DAEMON_ADDRESS. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  /** Subsegment documents received so far (`{"format":"json","version":1}` then a subsegment). */
  received(): number;
  /** Datagrams that were not a subsegment document. */
  malformed(): number;
  stop(): Promise<void>;
}

/** The environment Lambda gives a function for its daemon, pointing at `daemon`. */
export function xrayDaemonEnvironment(daemon: Pick<XrayDaemonStandIn, 'address' | 'host' | 'port'>): Record<string, string> {
  return { AWS_XRAY_DAEMON_ADDRESS: daemon.address, _AWS_XRAY_DAEMON_ADDRESS: daemon.host, _AWS_XRAY_DAEMON_PORT: String(daemon.port) };
}

const HEADER = '{"format":"json","version":1}\n';

/**
 * The X-Ray daemon the Lambda environment runs beside a function, stood in by a UDP socket of the
 * bench's own process that reads every datagram: a traced invocation's send then costs what it
 * costs in Lambda (the datagram queued to a reader that waits for it), not the kernel's "port
 * unreachable" for an address nobody listens on. Counts what arrives, so that the bench can tell
 * the traced invocations' subsegments did.
 */
export async function startXrayDaemonStandIn(): Promise<XrayDaemonStandIn> {
  const socket = createSocket('udp4');
  let received = 0;
  let malformed = 0;
  socket.on('message', (message) => {
    const text = message.toString('utf8');
    try {
      if (!text.startsWith(HEADER)) throw new Error('no header');
      const document = JSON.parse(text.slice(HEADER.length)) as { type?: unknown; trace_id?: unknown };
      if (document.type !== 'subsegment' || typeof document.trace_id !== 'string') throw new Error('not a subsegment');
      received += 1;
    } catch {
      malformed += 1;
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { address: host, port } = socket.address();
  return {
    address: `${host}:${port}`,
    host,
    port,
    received: () => received,
    malformed: () => malformed,
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
