import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join, normalize, resolve } from 'node:path';
import type { ConsoleConfig } from '../../web/src/config.ts';
import { LOCAL_CLIENTS } from '../../src/local/localIssuer.ts';
import { LOCAL_USER_POOL_ID, startLocalAuth, type LocalAuth } from './localAuth.ts';
import { PROJECT_ROOT, type Stoppable } from './localStack.ts';

/** The runtime configuration the console reads at start (web/src/config.ts); the deploy writes the same file from the stack's outputs. */
export type ConsoleRuntimeConfig = ConsoleConfig;

/** The console's Vite build into `outDir` (a few seconds). */
export async function buildConsole(outDir: string): Promise<void> {
  const { build } = await import('vite');
  // A production build whatever NODE_ENV says: Vite and the React plugin take it from there, and the
  // test runner sets `test` (React's development build, and a JSX transform that needs it).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: resolve(PROJECT_ROOT, 'web', 'vite.config.ts'), mode: 'production', logLevel: 'warn', build: { outDir: resolve(outDir), emptyOutDir: true } });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

/** How the deploy uploads each file (content type, cache policy): served the same way here. */
const { contentTypeOf, cacheControlOf } = createRequire(import.meta.url)('../serverless/console.cjs') as { contentTypeOf: (path: string) => string; cacheControlOf: (key: string) => string };

/**
 * The Content-Security-Policy of resources/console.yml's response headers policy, with the local
 * stack's origins in `connect-src`: no inline script or style, no framing.
 */
export function consoleContentSecurityPolicy(connect: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${connect.join(' ')}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
  ].join('; ');
}

/**
 * Serves a console build as CloudFront serves it in AWS: the files, `/config.json`, index.html
 * for every app route (a path without a file extension), the same security headers.
 */
export async function startLocalConsole(options: { port: number; distDir: string; config: ConsoleRuntimeConfig; connect: readonly string[] }): Promise<Stoppable & { url: string }> {
  const distDir = resolve(options.distDir);
  const headers = {
    'Content-Security-Policy': consoleContentSecurityPolicy(options.connect),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
  };
  const config = `${JSON.stringify(options.config, null, 2)}\n`;
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://local').pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('GET only');
      return;
    }
    if (path === '/config.json') {
      res.writeHead(200, { ...headers, 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' }).end(config);
      return;
    }
    const last = path.split('/').pop() ?? '';
    const file = last.includes('.') ? normalize(join(distDir, path)) : join(distDir, 'index.html');
    if (!file.startsWith(distDir)) {
      res.writeHead(404, headers).end();
      return;
    }
    readFile(file).then(
      (body) => {
        res.writeHead(200, { ...headers, 'Content-Type': contentTypeOf(file), 'Cache-Control': cacheControlOf(path.slice(1)) }).end(req.method === 'HEAD' ? undefined : body);
      },
      () => res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end(`No ${path} in the console build.`),
    );
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port, '127.0.0.1', () => done());
  });
  return {
    url: `http://127.0.0.1:${options.port}`,
    stop: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/**
 * The local console, its sign-in and its configuration, as `npm start` and the tests run them:
 * the console on `consoleUrl`, signing in against the local stand-in of the hosted UI (`auth`).
 */
export function localConsoleConfig(options: { apiUrl: string; consoleUrl: string; authDomain: string; clientId: string; userPoolId: string }): ConsoleRuntimeConfig {
  const url = `${options.consoleUrl}/`;
  return {
    apiUrl: options.apiUrl,
    stage: 'local',
    auth: {
      userPoolId: options.userPoolId,
      userPoolClientId: options.clientId,
      domain: options.authDomain,
      scopes: ['openid', 'email', 'entities/read', 'entities/write'],
      redirectSignIn: [url],
      redirectSignOut: [url],
      userPoolEndpoint: `https://${options.authDomain}/`,
    },
  };
}

/** The console and its sign-in, for `npm start` and the tests. */
export interface LocalConsole extends Stoppable {
  readonly url: string;
  readonly auth: LocalAuth;
}

/**
 * Builds the console into `distDir`, starts the local sign-in (HTTPS, `authPort`) with the console
 * as the app client's only callback, and serves the console on `consolePort` against `apiUrl`.
 */
export async function startConsoleStack(options: {
  consolePort: number;
  authPort: number;
  apiUrl: string;
  s3Endpoint: string;
  distDir: string;
  issuerDir: string;
  tlsDir: string;
  tokenLifetimeSeconds?: number;
  log?: (message: string) => void;
}): Promise<LocalConsole> {
  const consoleUrl = `http://127.0.0.1:${options.consolePort}`;
  const [, auth] = await Promise.all([
    buildConsole(options.distDir),
    startLocalAuth({
      port: options.authPort,
      issuerDir: options.issuerDir,
      tlsDir: options.tlsDir,
      clients: { [LOCAL_CLIENTS.app]: { callbackUrls: [`${consoleUrl}/`], logoutUrls: [`${consoleUrl}/`] } },
      ...(options.tokenLifetimeSeconds !== undefined && { tokenLifetimeSeconds: options.tokenLifetimeSeconds }),
      ...(options.log && { log: options.log }),
    }),
  ]);
  try {
    const config = localConsoleConfig({ apiUrl: options.apiUrl, consoleUrl, authDomain: auth.domain, clientId: LOCAL_CLIENTS.app, userPoolId: LOCAL_USER_POOL_ID });
    const server = await startLocalConsole({ port: options.consolePort, distDir: options.distDir, config, connect: [new URL(options.apiUrl).origin, auth.url, new URL(options.s3Endpoint).origin] });
    return {
      url: server.url,
      auth,
      stop: async () => {
        await Promise.all([server.stop(), auth.stop()]);
      },
    };
  } catch (error) {
    await auth.stop();
    throw error;
  }
}
