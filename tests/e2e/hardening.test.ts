import { describe, expect, it } from 'vitest';
import { api, READ_WRITE, token, uniqueTenant } from '../support/api.ts';
import { expectProblem } from '../support/expectProblem.ts';

/**
 * Regression tests for what an attacker's pass found (issue 18), over HTTP against the local
 * stack with really signed tokens. The hostile-input property tests are in ./fuzz.test.ts.
 */

const SECURE = '/api/v1/secure/entities';
const JSON_TYPE = { 'Content-Type': 'application/json' };

describe('issue 18: identity', () => {
  it('a group named "x,admin" is not the admin group (groups travel as a JSON array)', async () => {
    const tenant = uniqueTenant('groups');
    const t = await token({ tenantId: tenant, scopes: READ_WRITE, groups: ['x,admin'] });
    expectProblem(await api('POST', '/api/v1/secure/jobs', { token: t, body: { kind: 'rebuild-read-model' } }), 403);
    expect((await api('GET', SECURE, { token: t })).status).toBe(200);
  });

  it('tokens without exp or issued in the future are 401, on secure and data routes alike', async () => {
    const tenant = uniqueTenant('claims');
    const now = Math.floor(Date.now() / 1000);
    for (const claims of [{ exp: undefined }, { iat: now + 3600 }]) {
      const t = await token({ tenantId: tenant, scopes: READ_WRITE, claims });
      expect((await api('GET', SECURE, { token: t })).status).toBe(401);
      expectProblem(await api('GET', '/api/v1/data/entities?name=x', { token: t }), 401);
    }
  });
});

describe('issue 18: requests', () => {
  it('If-Match compares strongly: a weak ETag is 412, the strong one applies', async () => {
    const t = await token({ tenantId: uniqueTenant('etag'), scopes: READ_WRITE });
    const created = await api('POST', SECURE, { token: t, body: { name: 'Weak' } });
    expect(created.status).toBe(201);
    const path = `${SECURE}/${created.body.id}`;
    const weak = expectProblem(await api('PUT', path, { token: t, body: { name: 'Weak 2' }, headers: { 'If-Match': 'W/"1"' } }), 412);
    expect(weak.detail).toMatch(/weak ETag/);
    expect((await api('PUT', path, { token: t, body: { name: 'Weak 2' }, headers: { 'If-Match': '"1"' } })).status).toBe(200);
  });

  it('a body nested 100,000 levels deep is a 400 that says it nests too deeply (not "reserved key")', async () => {
    const t = await token({ tenantId: uniqueTenant('deep'), scopes: READ_WRITE });
    const deep = `{"name":"x","attributes":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    const problem = expectProblem(await api('POST', SECURE, { token: t, rawBody: deep, headers: JSON_TYPE }), 400);
    expect(problem.detail).toMatch(/nests .* more than 32 levels/);
    // Brackets inside strings are text, not nesting.
    expect((await api('POST', SECURE, { token: t, body: { name: '[[[[', attributes: { s: '{'.repeat(100) } } })).status).toBe(201);
  });

  it('a JSON body that is not an object (false, 0, null, a string) is a 400, never a 500 (found by the fuzz suite: the emulator passes the parsed value)', async () => {
    const t = await token({ tenantId: uniqueTenant('scalar'), scopes: READ_WRITE });
    for (const rawBody of ['false', '0', 'null', '"x"', 'true', '[]']) {
      const problem = expectProblem(await api('POST', SECURE, { token: t, rawBody, headers: JSON_TYPE }), 400);
      expect(problem.detail, rawBody).toBeTruthy();
    }
  });

  it('x-correlation-id: a well-formed one is echoed; an overlong one or one with other characters is replaced by the request id', async () => {
    const echoed = await api('GET', '/api/v1/health', { headers: { 'x-correlation-id': 'order-42:retry.1' } });
    expect(echoed.headers.get('x-correlation-id')).toBe('order-42:retry.1');
    for (const given of ['a'.repeat(129), 'a'.repeat(10_000), 'evil id', 'x"}{"level":"ERROR', 'tab\there']) {
      const response = await api('GET', '/api/v1/health', { headers: { 'x-correlation-id': given } });
      const used = response.headers.get('x-correlation-id');
      expect(used).not.toBe(given);
      expect(used).toMatch(/^[\w.:@/+=-]{1,128}$/);
    }
  });
});
