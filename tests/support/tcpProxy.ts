import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy on a free port of 127.0.0.1, standing in for a DNS name that moves (ElastiCache's
 * primary endpoint after a failover): each new connection goes to the current target; one already
 * made keeps its own, as a client's socket keeps the address it resolved.
 */
/** `drop` cuts every connection made so far (a server restart, seen from the client). */
export async function tcpProxy(targetPort: number): Promise<{ port: number; retarget: (port: number) => void; drop: () => void; close: () => Promise<void> }> {
  let target = targetPort;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: target });
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    // Either side going away takes the other with it, as a dropped connection would.
    for (const [socket, other] of [[client, upstream], [upstream, client]] as const) {
      socket.once('error', () => other.destroy());
      socket.once('close', () => other.destroy());
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return {
    port: address.port,
    retarget: (port) => void (target = port),
    drop: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}
