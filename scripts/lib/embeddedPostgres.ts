import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * An embedded PostgreSQL for `npm start` when no DATABASE_URL is given: PGlite (PostgreSQL
 * compiled to WebAssembly, shipped inside the npm package, nothing downloaded) in this process,
 * served over the wire protocol by pglite-socket so the `pg` driver connects to it like to any
 * server (several connections; PGlite runs their queries one at a time). Data kept in `dataDir`.
 *
 * It heals itself. A connection whose startup PostgreSQL ends with FATAL (one without a user name,
 * say) ends PGlite's single backend, and pglite-socket's query queue stays blocked after any
 * failed call (electric-sql/pglite#1046): every later connection would hang until a restart.
 * When a call fails, the server and PGlite are opened again on the same port and data (the
 * failed connection gets its error; the others are dropped, and pools reconnect).
 */
export async function startEmbeddedPostgres(options: { port: number; dataDir: string; log?: (message: string) => void }): Promise<EmbeddedPostgres> {
  const log = options.log ?? ((message: string) => console.log(message));
  const [{ PGlite: PGliteClass }, { pg_trgm }, { PGLiteSocketServer: Server }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/pg_trgm'),
    import('@electric-sql/pglite-socket'),
  ]);
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });

  let current: { db: PGlite; server: PGLiteSocketServer } | undefined;
  let reopening: Promise<void> | undefined;
  let stopped = false;

  const open = async (): Promise<void> => {
    const db = await PGliteClass.create({ dataDir, extensions: { pg_trgm } });
    const execute = db.execProtocolRawStream.bind(db);
    db.execProtocolRawStream = async (message, streamOptions) => {
      try {
        return await execute(message, streamOptions);
      } catch (error) {
        reopen(error);
        throw error;
      }
    };
    const server = new Server({ db, host: '127.0.0.1', port: options.port, maxConnections: 32 });
    await server.start();
    current = { db, server };
  };
  const close = async (): Promise<void> => {
    if (!current) return;
    const { db, server } = current;
    current = undefined;
    await server.stop();
    // After its backend ended, PGlite cannot close cleanly; its files are what the next open reads.
    await db.close().catch(() => undefined);
  };
  const reopen = (cause: unknown): void => {
    if (stopped || reopening) return;
    log(`Embedded PostgreSQL: a connection's call failed (${(cause as Error)?.message ?? String(cause)}); reopening it on port ${options.port} (open connections are dropped)`);
    reopening = (async () => {
      // Let the failed call's connection get its error and detach first.
      await new Promise((done) => setTimeout(done, 50));
      await close();
      if (!stopped) await open();
      log(`Embedded PostgreSQL: reopened on port ${options.port}`);
    })()
      .catch((error: unknown) => log(`Embedded PostgreSQL could not reopen: ${String(error)}; restart npm start`))
      .finally(() => (reopening = undefined));
  };

  await open();
  return {
    url: `postgres://postgres@127.0.0.1:${options.port}/postgres`,
    stop: async () => {
      stopped = true;
      await reopening;
      await close();
    },
  };
}
