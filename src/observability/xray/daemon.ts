import { createSocket, type Socket } from 'node:dgram';

export interface DaemonAddress {
  readonly host: string;
  readonly port: number;
}

/** Where the X-Ray daemon listens when AWS_XRAY_DAEMON_ADDRESS is unset (as outside Lambda). */
export const DEFAULT_DAEMON_ADDRESS: DaemonAddress = { host: '127.0.0.1', port: 2000 };

const HOST_PORT = /^([\w.-]+):(\d{1,5})$/;

/**
 * The daemon's UDP address from AWS_XRAY_DAEMON_ADDRESS: `host:port` (Lambda sets e.g.
 * `169.254.79.129:2000`), `udp:host:port`, or `tcp:host:port udp:host:port` in either order, of
 * which the UDP one counts. `undefined` when the value is none of these.
 */
export function parseDaemonAddress(value: string): DaemonAddress | undefined {
  const parts = value.trim().split(/\s+/);
  const udp = parts.length === 1 ? parts[0]!.replace(/^udp:/, '') : parts.length === 2 ? parts.find((part) => part.startsWith('udp:'))?.slice('udp:'.length) : undefined;
  const match = udp === undefined ? null : HOST_PORT.exec(udp);
  if (!match) return undefined;
  const port = Number(match[2]);
  return port > 0 && port < 65536 ? { host: match[1]!, port } : undefined;
}

const HEADER = '{"format":"json","version":1}\n';

/**
 * Sends segment documents to the daemon, one UDP datagram each. The socket is made on the first
 * send, one per container, and `unref`ed so it never keeps the process alive; send errors are
 * swallowed: tracing never fails a request.
 */
export class DaemonClient {
  #socket: Socket | undefined;
  #address: DaemonAddress | undefined;

  send(document: string): void {
    try {
      this.#address ??= parseDaemonAddress(process.env.AWS_XRAY_DAEMON_ADDRESS ?? '') ?? DEFAULT_DAEMON_ADDRESS;
      if (!this.#socket) {
        this.#socket = createSocket('udp4');
        this.#socket.on('error', ignore);
        this.#socket.unref();
      }
      // No callback: a failed send is dropped all the same, without a completion callback per datagram.
      this.#socket.send(HEADER + document, this.#address.port, this.#address.host);
    } catch {
      // Tracing never fails a request.
    }
  }
}

function ignore(): void {}
