import { createHash, createPublicKey, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { LOCAL_ISSUER, mintLocalAccessToken, signLocalJwt } from '../../src/local/localIssuer.ts';
import { TENANT_CLAIM } from '../../src/identity/identitySettings.ts';
import { TENANT_ID_PATTERN } from '../../src/domain/principal.ts';
import type { Stoppable } from './localStack.ts';

/**
 * The local stack's sign-in: the parts of a Cognito user pool's hosted UI and API that Amplify
 * Auth (v6) calls, so the console signs in locally through the same code path as in AWS.
 *
 * - `GET /oauth2/authorize`: a sign-in page (pick an email, a tenant, scopes and the admin group)
 *   in place of Cognito's; submitting it redirects to the client's callback with a code.
 * - `POST /oauth2/token`: `authorization_code` (PKCE S256 verified) and `refresh_token` grants.
 * - `GET /logout`: back to one of the client's sign-out URLs.
 * - `POST /` (the user pool API, Amplify's `userPoolEndpoint`): `GetTokensFromRefreshToken` and
 *   `InitiateAuth` (REFRESH_TOKEN_AUTH), which Amplify uses to refresh tokens, and `RevokeToken`,
 *   which its sign-out calls.
 *
 * Tokens are signed by the local issuer (`.local/issuer`) and shaped like Cognito's, with the
 * tenant claim the pre-token-generation trigger adds. Served over HTTPS because Amplify builds
 * `https://<domain>/oauth2/…` itself: the certificate is self-signed for 127.0.0.1 (kept in
 * `tlsDir`), so a browser is told to trust it (docs/console.md).
 */

/** What a user pool app client allows: where a sign-in and a sign-out may return to. */
export interface LocalAuthClient {
  readonly callbackUrls: readonly string[];
  readonly logoutUrls: readonly string[];
}

/** Amplify reads the region from the pool id (`<region>_<id>`). */
export const LOCAL_USER_POOL_ID = 'eu-west-1_local';
const OFFERED_SCOPES = ['entities/read', 'entities/write'] as const;
const GROUPS = ['admin'] as const;
const CODE_LIFETIME_MS = 5 * 60_000;

export interface LocalAuth extends Stoppable {
  /** What Amplify's `loginWith.oauth.domain` is: host and port, no scheme (Amplify adds `https://`). */
  readonly domain: string;
  /** `https://<domain>`: Amplify's `userPoolEndpoint`. */
  readonly url: string;
  /** The certificate's SubjectPublicKeyInfo, SHA-256, base64: Chromium's `--ignore-certificate-errors-spki-list`. */
  readonly spkiSha256: string;
  /** Every token grant served, oldest first (tests check that refreshes happen). */
  readonly grants: { readonly grant: 'authorization_code' | 'refresh_token'; readonly via: 'oauth2/token' | 'user-pool-api'; readonly at: Date }[];
}

interface Session {
  readonly clientId: string;
  readonly email: string;
  readonly subject: string;
  readonly tenantId: string;
  readonly scopes: readonly string[];
  readonly groups: readonly string[];
  /** Cognito's `origin_jti`: one per sign-in, shared by every token refreshed from it (Amplify revokes at sign-out when present). */
  readonly originJti: string;
  readonly authTime: number;
}

interface Code {
  readonly session: Session;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly expiresAt: number;
}

export async function startLocalAuth(options: {
  port: number;
  issuerDir: string;
  tlsDir: string;
  clients: Readonly<Record<string, LocalAuthClient>>;
  /** Access and ID token lifetime (Cognito's app client: 60 minutes). */
  tokenLifetimeSeconds?: number;
  log?: (message: string) => void;
}): Promise<LocalAuth> {
  const tls = await ensureCertificate(options.tlsDir);
  const lifetime = options.tokenLifetimeSeconds ?? 3600;
  const codes = new Map<string, Code>();
  const refreshTokens = new Map<string, Session>();
  const grants: LocalAuth['grants'][number][] = [];
  const origins = new Set(Object.values(options.clients).flatMap((c) => [...c.callbackUrls, ...c.logoutUrls].map((u) => new URL(u).origin)));

  const tokens = async (session: Session) => {
    const accessToken = await mintLocalAccessToken(options.issuerDir, {
      tenantId: session.tenantId,
      subject: session.subject,
      clientId: session.clientId,
      scopes: ['openid', 'email', ...session.scopes],
      groups: session.groups,
      lifetimeSeconds: lifetime,
      claims: { username: session.subject, origin_jti: session.originJti, event_id: randomUUID(), auth_time: session.authTime },
    });
    const now = Math.floor(Date.now() / 1000);
    const idToken = await signLocalJwt(options.issuerDir, {
      sub: session.subject,
      aud: session.clientId,
      iss: LOCAL_ISSUER,
      token_use: 'id',
      auth_time: session.authTime,
      iat: now,
      exp: now + lifetime,
      jti: randomUUID(),
      origin_jti: session.originJti,
      email: session.email,
      email_verified: true,
      'cognito:username': session.subject,
      [`custom:${TENANT_CLAIM}`]: session.tenantId,
      ...(session.groups.length > 0 && { 'cognito:groups': session.groups }),
    });
    return { accessToken, idToken };
  };

  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    void handle(req, res).catch((error: unknown) => {
      options.log?.(`error: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) send(res, 500, 'text/plain', 'The local sign-in failed; see the npm start output.');
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://local');
    const origin = req.headers.origin;
    if (origin !== undefined && origins.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST');
      // Amplify's user pool client sends the SDK's headers (x-amz-target, x-amz-user-agent, cache-control, …): the console's origin may send what it asks for.
      res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'content-type');
      res.setHeader('Access-Control-Max-Age', '600');
      return send(res, 204, 'text/plain', '');
    }
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /oauth2/authorize') return authorizePage(res, url.searchParams);
    if (route === 'POST /oauth2/authorize') return signIn(res, new URLSearchParams(await body(req)));
    if (route === 'POST /oauth2/token') return token(res, new URLSearchParams(await body(req)));
    if (route === 'GET /logout') return logout(res, url.searchParams);
    if (route === 'GET /.well-known/jwks.json') return send(res, 200, 'application/json', await readFile(join(options.issuerDir, 'jwks.json'), 'utf8'));
    if (route === 'POST /') return userPoolApi(res, String(req.headers['x-amz-target'] ?? ''), await body(req));
    return send(res, 404, 'text/plain', `The local sign-in serves /oauth2/authorize, /oauth2/token, /logout and the user pool API at /; not ${route}.`);
  }

  /** The client and the redirect it names, checked as Cognito does: an unknown client or URL is an error page, never a redirect. */
  function clientAndRedirect(params: URLSearchParams, urlParam: 'redirect_uri' | 'logout_uri'): { clientId: string; redirect: string } | string {
    const clientId = params.get('client_id') ?? '';
    const client = options.clients[clientId];
    if (!client) return `Unknown client_id "${clientId}".`;
    const redirect = params.get(urlParam) ?? '';
    const allowed = urlParam === 'redirect_uri' ? client.callbackUrls : client.logoutUrls;
    if (!allowed.includes(redirect)) return `${urlParam} "${redirect}" is not one of the app client's ${urlParam === 'redirect_uri' ? 'callback' : 'sign-out'} URLs (${allowed.join(', ')}).`;
    return { clientId, redirect };
  }

  function authorizePage(res: ServerResponse, params: URLSearchParams): void {
    const checked = clientAndRedirect(params, 'redirect_uri');
    if (typeof checked === 'string') return errorPage(res, checked);
    if (params.get('response_type') !== 'code') return errorPage(res, 'Only response_type=code (the authorization code grant) is supported.');
    if (!params.get('code_challenge') || params.get('code_challenge_method') !== 'S256') return errorPage(res, 'PKCE is required: send code_challenge with code_challenge_method=S256.');
    const requested = (params.get('scope') ?? '').split(' ');
    const hidden = ['client_id', 'redirect_uri', 'state', 'code_challenge', 'scope'].map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(params.get(name) ?? '')}">`).join('');
    const scopeBoxes = OFFERED_SCOPES.filter((s) => requested.includes(s))
      .map((s) => `<label><input type="checkbox" name="scopes" value="${s}" checked> ${s}</label>`)
      .join('');
    const groupBoxes = GROUPS.map((g) => `<label><input type="checkbox" name="groups" value="${g}"> ${g}</label>`).join('');
    const formAction = `form-action 'self' ${new URL(checked.redirect).origin}`;
    res.setHeader('Content-Security-Policy', `default-src 'none'; style-src 'unsafe-inline'; ${formAction}; frame-ancestors 'none'`);
    send(
      res,
      200,
      'text/html; charset=utf-8',
      page(
        'Sign in (local)',
        `<p>The local stack's stand-in for the Cognito hosted UI. Choose who you are: the tokens are signed by the local issuer, which only the <code>local</code> stage trusts.</p>
<form method="post" action="/oauth2/authorize">${hidden}
<p><label for="email">Email</label><input id="email" name="email" type="email" required value="operator@example.com" autocomplete="username"></p>
<p><label for="tenant">Tenant</label><input id="tenant" name="tenant" required value="t1" pattern="[A-Za-z0-9_\\-]{1,64}" aria-describedby="tenant-help"><small id="tenant-help">The <code>custom:tenant_id</code> attribute: letters, digits, _ or -.</small></p>
<fieldset><legend>Scopes</legend>${scopeBoxes}</fieldset>
<fieldset><legend>Groups</legend>${groupBoxes}</fieldset>
<p><button type="submit">Sign in</button></p>
</form>`,
      ),
    );
  }

  function signIn(res: ServerResponse, form: URLSearchParams): void {
    const checked = clientAndRedirect(form, 'redirect_uri');
    if (typeof checked === 'string') return errorPage(res, checked);
    const tenantId = form.get('tenant') ?? '';
    if (!TENANT_ID_PATTERN.test(tenantId)) return errorPage(res, 'The tenant must be 1–64 letters, digits, "_" or "-".');
    const email = (form.get('email') ?? '').trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) return errorPage(res, 'Enter an email address.');
    const requested = (form.get('scope') ?? '').split(' ');
    const session: Session = {
      clientId: checked.clientId,
      email,
      // The same person gets the same `sub` at every sign-in, as in a user pool.
      subject: uuidFrom(email),
      tenantId,
      scopes: form.getAll('scopes').filter((s) => requested.includes(s) && (OFFERED_SCOPES as readonly string[]).includes(s)),
      groups: form.getAll('groups').filter((g) => (GROUPS as readonly string[]).includes(g)),
      originJti: randomUUID(),
      authTime: Math.floor(Date.now() / 1000),
    };
    const code = randomUUID();
    codes.set(code, { session, redirectUri: checked.redirect, codeChallenge: form.get('code_challenge') ?? '', expiresAt: Date.now() + CODE_LIFETIME_MS });
    const target = new URL(checked.redirect);
    target.searchParams.set('code', code);
    const state = form.get('state');
    if (state) target.searchParams.set('state', state);
    options.log?.(`${email} signed in to tenant ${tenantId} (${[...session.scopes, ...session.groups.map((g) => `group ${g}`)].join(', ') || 'no scopes'})`);
    res.writeHead(302, { Location: target.toString(), 'Cache-Control': 'no-store' }).end();
  }

  async function token(res: ServerResponse, form: URLSearchParams): Promise<void> {
    const oauthError = (error: string, description: string) => send(res, 400, 'application/json', JSON.stringify({ error, error_description: description }));
    const grant = form.get('grant_type');
    if (grant === 'authorization_code') {
      const code = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (!code || code.expiresAt < Date.now()) return oauthError('invalid_grant', 'The code is unknown, used or expired.');
      if (form.get('client_id') !== code.session.clientId || form.get('redirect_uri') !== code.redirectUri) return oauthError('invalid_grant', 'client_id or redirect_uri differ from the authorization request.');
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== code.codeChallenge) return oauthError('invalid_grant', 'The code_verifier does not match the code_challenge (PKCE).');
      const refreshToken = randomBytes(32).toString('base64url');
      refreshTokens.set(refreshToken, code.session);
      grants.push({ grant: 'authorization_code', via: 'oauth2/token', at: new Date() });
      const { accessToken, idToken } = await tokens(code.session);
      return send(res, 200, 'application/json', JSON.stringify({ access_token: accessToken, id_token: idToken, refresh_token: refreshToken, token_type: 'Bearer', expires_in: lifetime }));
    }
    if (grant === 'refresh_token') {
      const session = refreshTokens.get(form.get('refresh_token') ?? '');
      if (!session || session.clientId !== form.get('client_id')) return oauthError('invalid_grant', 'The refresh token is unknown, revoked or of another client.');
      grants.push({ grant: 'refresh_token', via: 'oauth2/token', at: new Date() });
      const { accessToken, idToken } = await tokens(session);
      return send(res, 200, 'application/json', JSON.stringify({ access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: lifetime }));
    }
    return oauthError('unsupported_grant_type', 'grant_type must be authorization_code or refresh_token.');
  }

  function logout(res: ServerResponse, params: URLSearchParams): void {
    const checked = clientAndRedirect(params, 'logout_uri');
    if (typeof checked === 'string') return errorPage(res, checked);
    res.writeHead(302, { Location: checked.redirect, 'Cache-Control': 'no-store' }).end();
  }

  /** The user pool's JSON API (awsJson1_1), the operations Amplify Auth calls after a hosted-UI sign-in. */
  async function userPoolApi(res: ServerResponse, target: string, text: string): Promise<void> {
    const answer = (status: number, value: unknown, errorType?: string) => {
      res.setHeader('Access-Control-Expose-Headers', 'x-amzn-errortype, x-amzn-requestid');
      if (errorType) res.setHeader('x-amzn-errortype', errorType);
      send(res, status, 'application/x-amz-json-1.1', JSON.stringify(errorType ? { __type: errorType, message: value } : value));
    };
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return answer(400, 'The body is not JSON.', 'InvalidParameterException');
    }
    const operation = target.replace(/^AWSCognitoIdentityProviderService\./, '');
    const refreshToken = operation === 'InitiateAuth' ? (input['AuthParameters'] as Record<string, string> | undefined)?.['REFRESH_TOKEN'] : input[operation === 'RevokeToken' ? 'Token' : 'RefreshToken'];
    const session = typeof refreshToken === 'string' ? refreshTokens.get(refreshToken) : undefined;
    if (operation === 'RevokeToken') {
      if (session && session.clientId === input['ClientId']) refreshTokens.delete(refreshToken as string);
      return answer(200, {});
    }
    if (operation !== 'GetTokensFromRefreshToken' && !(operation === 'InitiateAuth' && input['AuthFlow'] === 'REFRESH_TOKEN_AUTH')) {
      return answer(400, `The local user pool answers GetTokensFromRefreshToken, InitiateAuth (REFRESH_TOKEN_AUTH) and RevokeToken; not ${target}.`, 'InvalidParameterException');
    }
    if (!session || session.clientId !== input['ClientId']) return answer(400, 'Invalid Refresh Token', 'NotAuthorizedException');
    grants.push({ grant: 'refresh_token', via: 'user-pool-api', at: new Date() });
    const { accessToken, idToken } = await tokens(session);
    return answer(200, { AuthenticationResult: { AccessToken: accessToken, IdToken: idToken, TokenType: 'Bearer', ExpiresIn: lifetime }, ChallengeParameters: {} });
  }

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port, '127.0.0.1', () => done());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    domain: `127.0.0.1:${port}`,
    url: `https://127.0.0.1:${port}`,
    spkiSha256: tls.spkiSha256,
    grants,
    stop: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

function errorPage(res: ServerResponse, message: string): void {
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  send(res, 400, 'text/html; charset=utf-8', page('Sign-in request refused', `<p role="alert">${escapeHtml(message)}</p>`));
}

function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · entity platform</title>
<style>body{font:16px/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff;max-width:32rem;margin:2rem auto;padding:0 1rem}label{display:block;font-weight:600}fieldset label{font-weight:400}input:not([type=checkbox]){display:block;width:100%;padding:.4rem;font:inherit;border:1px solid #595959;border-radius:4px}small{color:#4a4a4a}button{font:inherit;padding:.5rem 1.2rem;background:#0b5cad;color:#fff;border:0;border-radius:4px;cursor:pointer}:focus-visible{outline:3px solid #b35c00;outline-offset:2px}</style>
</head><body><main><h1>${title}</h1>${content}</main></body></html>`;
}

function send(res: ServerResponse, status: number, contentType: string, text: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}

async function body(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) {
    text += (chunk as Buffer).toString();
    if (text.length > 64 * 1024) throw new Error('request body over 64 KiB');
  }
  return text;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A stable UUID-shaped subject for an email. */
function uuidFrom(email: string): string {
  const h = createHash('sha256').update(`local-user:${email}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The sign-in's TLS certificate for 127.0.0.1 and localhost, made once and kept in `dir` (a browser that was told to trust it keeps trusting it). */
async function ensureCertificate(dir: string): Promise<{ key: string; cert: string; spkiSha256: string }> {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  let key: string;
  let cert: string;
  try {
    [key, cert] = await Promise.all([readFile(keyFile, 'utf8'), readFile(certFile, 'utf8')]);
  } catch {
    const made = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 365 * 24 * 3600 * 1000),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
      ],
    });
    await mkdir(dir, { recursive: true });
    await writeFile(keyFile, made.private, { mode: 0o600 });
    await writeFile(certFile, made.cert);
    [key, cert] = [made.private, made.cert];
  }
  const spki = createPublicKey(cert).export({ type: 'spki', format: 'der' });
  return { key, cert, spkiSha256: createHash('sha256').update(spki).digest('base64') };
}
