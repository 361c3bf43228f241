import type { BrokerDefinitions } from './brokerDefinitions.ts';

/**
 * The broker definitions over RabbitMQ's management HTTP API (Amazon MQ for RabbitMQ serves it on
 * https port 443 of the broker's endpoint), one object per request, in dependency order:
 *   PUT  /api/exchanges/<vhost>/<name>            { type, durable, auto_delete, internal, arguments }
 *   PUT  /api/queues/<vhost>/<name>               { durable, auto_delete, arguments }
 *   POST /api/bindings/<vhost>/e/<source>/q/<queue> { routing_key, arguments }
 *   PUT  /api/users/<name>                        { password, tags }
 *   PUT  /api/permissions/<vhost>/<user>          { configure, write, read }
 * Every one is idempotent: an existing exchange or queue with the same arguments is left as it is
 * (one with other arguments is refused, 400, and the apply fails naming it), a binding is a set
 * member, a user's password and a permission are set to the given values. Nothing is deleted.
 * Per-object requests rather than one POST /api/definitions: an import ignores an existing queue
 * whose arguments differ, where a PUT says so.
 */
export interface ManagementRequest {
  readonly method: 'PUT' | 'POST';
  readonly path: string;
  readonly body: Record<string, unknown>;
}

export interface ManagementCredentials {
  /** The API's base URL, e.g. https://b-1234.mq.eu-west-1.amazonaws.com (no trailing /api). */
  readonly url: string;
  readonly username: string;
  readonly password: string;
}

const segment = encodeURIComponent;

/** The requests that apply `definitions`; `passwords` holds one per user of the definitions. */
export function managementRequests(definitions: BrokerDefinitions, passwords: Readonly<Record<string, string>>): ManagementRequest[] {
  const missing = definitions.users.map((u) => u.name).filter((name) => !passwords[name]);
  if (missing.length > 0) throw new Error(`No password for broker user(s) ${missing.join(', ')}`);
  return [
    ...definitions.exchanges.map((e) => ({ method: 'PUT' as const, path: `/api/exchanges/${segment(e.vhost)}/${segment(e.name)}`, body: { type: e.type, durable: e.durable, auto_delete: e.auto_delete, internal: e.internal, arguments: e.arguments } })),
    ...definitions.queues.map((q) => ({ method: 'PUT' as const, path: `/api/queues/${segment(q.vhost)}/${segment(q.name)}`, body: { durable: q.durable, auto_delete: q.auto_delete, arguments: q.arguments } })),
    ...definitions.bindings.map((b) => ({ method: 'POST' as const, path: `/api/bindings/${segment(b.vhost)}/e/${segment(b.source)}/q/${segment(b.destination)}`, body: { routing_key: b.routing_key, arguments: b.arguments } })),
    ...definitions.users.map((u) => ({ method: 'PUT' as const, path: `/api/users/${segment(u.name)}`, body: { password: passwords[u.name]!, tags: u.tags } })),
    ...definitions.permissions.map((p) => ({ method: 'PUT' as const, path: `/api/permissions/${segment(p.vhost)}/${segment(p.user)}`, body: { configure: p.configure, write: p.write, read: p.read } })),
  ];
}

/** How long one request may take (the custom resource has minutes; a broker that does not answer should fail the deploy, not hang it). */
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * Sends the requests one after the other; the first refused one fails the apply with the broker's
 * answer (what it says is the reason in the stack's events). Passwords never appear in an error.
 */
export async function applyOverManagementApi(api: ManagementCredentials, requests: readonly ManagementRequest[]): Promise<{ requests: number }> {
  const authorization = `Basic ${Buffer.from(`${api.username}:${api.password}`).toString('base64')}`;
  const base = api.url.replace(/\/+$/, '');
  for (const request of requests) {
    let response: Response;
    try {
      response = await fetch(`${base}${request.path}`, {
        method: request.method,
        headers: { authorization, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(request.body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new Error(`${request.method} ${request.path}: the management API at ${base} did not answer (${(error as Error).message})`, { cause: error });
    }
    if (!response.ok) {
      const text = (await response.text()).slice(0, 300);
      throw new Error(`${request.method} ${request.path}: HTTP ${response.status} ${text}`);
    }
    await response.body?.cancel();
  }
  return { requests: requests.length };
}
