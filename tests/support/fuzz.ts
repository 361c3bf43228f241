import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { mintLocalAccessToken } from '../../src/local/localIssuer.ts';
import { isAcceptableText } from '../../src/domain/text.ts';
import { contractViolations, openApiDocument } from './contract.ts';

/**
 * The hostile-input suite (issue 18): property-based requests generated from the OpenAPI document
 * (docs/openapi.json) for every route — hostile strings, numbers, nesting, headers, tokens and
 * broken JSON — against the running local stack. Each response must be no 5xx; every 4xx must be
 * `application/problem+json` whose `status` is the response's; every response must match the
 * document (tests/support/contract.ts); and a write that was acknowledged must read back.
 * `npm test` runs it with a fixed seed and a bounded count (tests/e2e/fuzz.test.ts); `npm run fuzz
 * -- --runs N --seed S` runs it longer (scripts/fuzz.ts).
 */

export interface FuzzOptions {
  readonly apiUrl: string;
  readonly issuerDir: string;
  readonly seed: number;
  /** Requests per operation. */
  readonly runsPerOperation: number;
  /** Only operations whose `METHOD /path` contains this. */
  readonly only?: string;
}

export interface FuzzReport {
  readonly operations: number;
  readonly requests: number;
  readonly statuses: Record<string, number>;
  readonly failures: string[];
}

interface Operation {
  readonly method: string;
  readonly template: string;
  readonly parameters: readonly { name: string; in: 'path' | 'query' | 'header' }[];
  readonly hasBody: boolean;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function documentedOperations(): Operation[] {
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(openApiDocument.paths as Record<string, Record<string, any>>)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      operations.push({ method: method.toUpperCase(), template, parameters: (op.parameters ?? []).map((p: any) => ({ name: p.name, in: p.in })), hasBody: op.requestBody !== undefined });
    }
  }
  return operations;
}

// ---- hostile values -----------------------------------------------------------------------------

/** Strings an attacker tries: control characters, lone surrogates, invisible formatting, injection, sizes. */
const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udfff', '\u200b', 'pay\u200dpal', '\u202eevil', '\ufeff', '\u0085', '\r\n', '\t', '\u001b[31m',
    "' OR 1=1 --", '%', '_', '\\', '%00', '../../etc/passwd', '${jndi:ldap://x}', '<script>alert(1)</script>', '{{7*7}}', '__proto__', 'constructor',
    'null', 'true', '1e400', '-0', 'NaN', '"quoted"', '"\\u0000"', '"\\ud800"', '[]', '{}', 'attr.x', '😀', 'e\u0301', 'İ', 'ß',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.nat({ max: 3000 }).map((n) => 'x'.repeat(n)),
);

const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.5, 1e-130, 9.9e125, 1e126, 1e-131, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, Number.MAX_VALUE, Number.MIN_VALUE, 1e308),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, hostileString, hostileNumber, fc.boolean(), fc.constant(null), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(fc.oneof(hostileString, fc.constantFrom('colour', 'a', 'size', '__proto__', 'prototype', 'a b', 'k')), tie('value'), { maxKeys: 4 }),
})).value;

/** Attribute values the rules accept: any nesting up to a few levels under plain keys, numbers in DynamoDB's range, strings of any acceptable text. */
const acceptedValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: fc.constantFrom('a', 'Z', '0', 'é', '😀', '\t', '\n', ' ', '"', '\\', '/', '青', 'e\u0301', '\u200b', '\u202e'), maxLength: 20 }),
    fc.oneof(fc.integer(), fc.double({ min: -1e12, max: 1e12, noNaN: true }), fc.constantFrom(9.9e125, -9.9e125, 1e-130, 0)),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,8}$/), tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** JSON text nested `depth` levels deep (arrays or objects). */
const nested = (depth: number, open: string, close: string, inner = '1') => `${open.repeat(depth)}${inner}${close.repeat(depth)}`;

/** Raw JSON text that JSON.stringify cannot make: numbers out of range, deep nesting, broken syntax, duplicate keys. */
const rawBodyText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '', ' ', '{', '{"name":', '{"name":"x",}', '[1,2', 'nul', '{"name":"x"}garbage', '{"name":"\\ud800"}', '{"name":"a\\u0000b"}',
    '{"name":"x","attributes":{"n":1e400}}', '{"name":"x","attributes":{"n":-1e400}}', '{"name":"x","attributes":{"n":1e-400}}', '{"name":"x","name":"y"}',
    '{"__proto__":{"admin":true},"name":"x"}', '{"constructor":{"prototype":{"admin":true}},"name":"x"}', '"just a string"', '123', 'null', '[]',
  ),
  fc.integer({ min: 20, max: 100_000 }).map((d) => `{"name":"deep","attributes":{"a":${nested(d, '[', ']')}}}`),
  fc.integer({ min: 20, max: 20_000 }).map((d) => `{"name":"deep","attributes":${nested(d, '{"a":', '}')}}`),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

/** Header values fetch can send (Latin-1 without CR, LF or NUL), hostile within that. */
const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', '*', '"1"', 'W/"1"', '"1", "2"', '"abc"', '"-1"', '"99999999999999999999"', 'Bearer', 'a'.repeat(4_000), '\t', 'x"}{"level":"ERROR', '${jndi:x}'),
  // Printable ASCII: what fetch (undici) agrees to send; the server sees nothing else from a conforming client either.
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 }),
  fc.uuid(),
);

const MEDIA_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/merge-patch+json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json;charset=latin1', ''];

// ---- requests -----------------------------------------------------------------------------------

type Auth = 'admin' | 'reader' | 'none' | 'garbage' | 'expired' | 'other-tenant';

interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly auth: Auth;
  /** What the body was meant to be (for the read-back check of acknowledged writes). */
  readonly intended?: unknown;
}

const encode = (s: string): string => {
  try {
    return encodeURIComponent(s);
  } catch {
    return encodeURIComponent(s.toWellFormed()); // a lone surrogate cannot be percent-encoded as UTF-8: sent as U+FFFD
  }
};

function requestOf(op: Operation, ids: { entity: string; job: string }): fc.Arbitrary<FuzzRequest> {
  // A path parameter stays one well-formed segment: an empty one, `.`/`..` or a malformed escape
  // would make it another path (or no path), which is the gateway's business, not this route's.
  const pathValue = fc.oneof(
    fc.constant(op.template.includes('/jobs/') ? ids.job : ids.entity),
    fc.uuid().map(String),
    hostileString.filter((v) => v !== '' && v !== '.' && v !== '..').map(encode),
    fc.constantFrom('%00', '%20', '%E2%80%AE', '%F0%9F%98%80', 'null', '-1'),
  );
  const queryParams = op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
  if (op.template.endsWith('/search')) queryParams.push('attr.colour', 'attr.size.h', 'attr.a b', 'attr.__proto__');
  const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...(queryParams.length > 0 ? queryParams : ['x'])), hostileString), fc.oneof(hostileString, hostileNumber.map(String))), { maxLength: 5 });
  const headerNames = op.parameters.filter((p) => p.in === 'header').map((p) => p.name);
  const headers = fc.dictionary(fc.constantFrom(...headerNames, 'If-Match', 'If-None-Match', 'Idempotency-Key', 'x-correlation-id'), headerValue, { maxKeys: 3 });
  // Well-formed bodies too (any text, any JSON), so that writes succeed and their read-back is checked.
  const plainKey = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,12}$/);
  const wellFormed = fc.record(
    {
      // Any name the rule accepts (src/domain/text.ts), made unique; values of any JSON, strings of any printable text.
      name: fc.tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter((n) => n.trim() !== '' && isAcceptableText(n, 'name')), fc.nat()).map(([n, i]) => `${n} ${i}`),
      attributes: fc.dictionary(plainKey, acceptedValue, { maxKeys: 5 }),
      visibility: fc.constantFrom('public', 'private'),
    },
    { requiredKeys: op.method === 'PATCH' ? [] : ['name'] },
  );
  const body = op.hasBody
    ? fc.oneof(
        { arbitrary: wellFormed.map((value) => ({ text: JSON.stringify(value), intended: value })), weight: 3 },
        hostileJson.map((value) => ({ text: JSON.stringify(value), intended: value })),
        fc.record({ name: hostileString, attributes: hostileJson, visibility: fc.constantFrom('public', 'private', 'secret', '') }, { requiredKeys: ['name'] }).map((value) => ({ text: JSON.stringify(value), intended: value })),
        fc.record({ kind: fc.constantFrom('import', 'export', 'rebuild-read-model', 'x'), source: hostileString, destination: hostileString, concurrency: hostileNumber, segments: hostileNumber }, { requiredKeys: ['kind'] }).map((value) => ({ text: JSON.stringify(value), intended: value })),
        rawBodyText.map((text) => ({ text, intended: undefined })),
      )
    : fc.constant(undefined);
  return fc
    .record({
      id: pathValue,
      query,
      headers,
      body,
      mediaType: fc.oneof({ arbitrary: fc.constant(op.method === 'PATCH' ? 'application/merge-patch+json' : 'application/json'), weight: 4 }, fc.constantFrom(...MEDIA_TYPES)),
      auth: fc.constantFrom<Auth>('admin', 'admin', 'admin', 'reader', 'none', 'garbage', 'expired', 'other-tenant'),
    })
    .map(({ id, query: pairs, headers: given, body: b, mediaType, auth }) => {
      const search = pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
      const path = `${op.template.replace('{id}', id)}${search ? `?${search}` : ''}`;
      const all: Record<string, string> = { ...given };
      if (b !== undefined && mediaType !== '') all['Content-Type'] = mediaType;
      return { method: op.method, path, headers: all, auth, ...(b !== undefined && { body: b.text, intended: b.intended }) };
    });
}

// ---- the run ------------------------------------------------------------------------------------

/** Runs the suite; resolves with what it saw. Failures are collected (each with its request) and reported, not thrown one at a time. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const tenantId = `fuzz-${randomUUID().slice(0, 8)}`;
  const now = Math.floor(Date.now() / 1000);
  const tokens: Record<Auth, string | undefined> = {
    'admin': await mintLocalAccessToken(options.issuerDir, { tenantId, groups: ['admin'], subject: 'fuzzer' }),
    'reader': await mintLocalAccessToken(options.issuerDir, { tenantId, scopes: ['entities/read'] }),
    'other-tenant': await mintLocalAccessToken(options.issuerDir, { tenantId: `${tenantId}-other`, groups: ['admin'] }),
    'expired': await mintLocalAccessToken(options.issuerDir, { tenantId, claims: { iat: now - 7200, exp: now - 3600 } }),
    'garbage': 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
    'none': undefined,
  };
  const send = async (method: string, path: string, headers: Record<string, string>, auth: Auth, body?: string) => {
    const token = tokens[auth];
    const response = await fetch(`${options.apiUrl}${path}`, { method, headers: { ...headers, ...(token && { Authorization: `Bearer ${token}` }) }, ...(body !== undefined && { body }) });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };
  // Something to aim at: an entity and a job of the tenant.
  const seeded = await send('POST', '/api/v1/secure/entities', { 'Content-Type': 'application/json' }, 'admin', JSON.stringify({ name: `fuzz target ${tenantId}`, visibility: 'public', attributes: { colour: 'blue' } }));
  const entity = (JSON.parse(seeded.text) as { id: string }).id;
  const ids = { entity, job: randomUUID() };

  const statuses: Record<string, number> = {};
  const failures: string[] = [];
  let requests = 0;
  const operations = documentedOperations().filter((op) => !options.only || `${op.method} ${op.template}`.includes(options.only));
  for (const [index, op] of operations.entries()) {
    await fc.assert(
      fc.asyncProperty(requestOf(op, ids), async (request) => {
        requests += 1;
        const response = await send(request.method, request.path, request.headers, request.auth, request.body);
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        const problems = checkResponse(request, response);
        if (problems.length === 0 && response.status < 300 && request.method !== 'GET') problems.push(...(await readBack(request, response, send)));
        if (problems.length > 0) failures.push(`${request.method} ${request.path.slice(0, 300)} [${request.auth}] headers=${JSON.stringify(request.headers).slice(0, 300)} body=${JSON.stringify(request.body?.slice(0, 300))} → ${response.status}: ${problems.join('; ')} ${response.text.slice(0, 300)}`);
        return true; // failures are collected with their request; shrinking a stateful API's request rarely helps
      }),
      { seed: options.seed + index, numRuns: options.runsPerOperation, endOnFailure: true },
    );
  }
  return { operations: operations.length, requests, statuses, failures };
}

function checkResponse(request: FuzzRequest, response: { status: number; headers: Headers; text: string }): string[] {
  const problems: string[] = [];
  if (response.status >= 500) problems.push('a 5xx');
  if (response.status >= 400) {
    if (!/^application\/problem\+json/.test(response.headers.get('content-type') ?? '')) problems.push(`a ${response.status} that is not application/problem+json (${response.headers.get('content-type')})`);
    else {
      const body = JSON.parse(response.text) as { status?: number; type?: string; detail?: string };
      // `status` is absent only from API Gateway's catch-all answers (contract: Problem), which cannot know it.
      if (body.status !== undefined && body.status !== response.status) problems.push(`problem status ${body.status} on a ${response.status}`);
      if (body.status === undefined && body.type !== 'urn:entity-platform:problem:bad-request' && body.type !== 'urn:entity-platform:problem:internal') problems.push('a problem without status');
      if (typeof body.detail !== 'string' || body.detail === '') problems.push('a problem that says nothing to fix');
    }
  }
  problems.push(...contractViolations({ method: request.method, path: request.path, status: response.status, headers: response.headers, text: response.text }));
  return problems;
}

/** An acknowledged write reads back: a created or changed entity as it was answered, a deleted one gone. */
async function readBack(request: FuzzRequest, response: { status: number; text: string }, send: (method: string, path: string, headers: Record<string, string>, auth: Auth) => Promise<{ status: number; text: string }>): Promise<string[]> {
  if (!request.path.startsWith('/api/v1/secure/entities')) return [];
  if (request.method === 'DELETE') {
    const after = await send('GET', request.path.split('?')[0]!, {}, request.auth);
    return after.status === 404 ? [] : [`deleted, yet GET answers ${after.status}`];
  }
  const written = JSON.parse(response.text) as { id: string; version: number };
  const after = await send('GET', `/api/v1/secure/entities/${written.id}`, {}, request.auth);
  if (after.status !== 200) return [`acknowledged (${response.status}), yet GET answers ${after.status}`];
  const read = JSON.parse(after.text) as { version: number };
  if (read.version < written.version) return [`acknowledged version ${written.version}, read back ${read.version}`];
  if (read.version === written.version && JSON.stringify(sorted(read)) !== JSON.stringify(sorted(written))) return [`read back differs from the acknowledged write: ${after.text.slice(0, 300)}`];
  return [];
}

/** A JSON value with object members in key order (DynamoDB keeps no member order). */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, sorted(v)]));
  return value;
}
