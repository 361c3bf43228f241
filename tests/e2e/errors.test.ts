import { describe, expect, it } from 'vitest';
import { api, READ_WRITE, token, uniqueTenant } from '../support/api.ts';
import { expectProblem } from '../support/expectProblem.ts';

const SECURE = '/api/v1/secure/entities';

describe('errors are problem+json that say what to fix', () => {
  it('400 for malformed JSON, 415 for another content type, 413 for a huge body', async () => {
    const t = await token({ tenantId: uniqueTenant(), scopes: READ_WRITE });
    expect(expectProblem(await api('POST', SECURE, { token: t, rawBody: '{"name": ', headers: { 'Content-Type': 'application/json' } }), 400).detail).toMatch(/not valid JSON/);
    expect(expectProblem(await api('POST', SECURE, { token: t, rawBody: 'name=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 415).detail).toMatch(/application\/json/);
    expectProblem(await api('POST', SECURE, { token: t, rawBody: '{}' }), 415);
    const huge = JSON.stringify({ name: 'big', attributes: { blob: 'x'.repeat(300 * 1024) } });
    expectProblem(await api('POST', SECURE, { token: t, rawBody: huge, headers: { 'Content-Type': 'application/json' } }), 413);
  });

  it('400 for a number JavaScript cannot hold exactly, instead of storing it rounded; large exact ones are kept', async () => {
    const t = await token({ tenantId: uniqueTenant(), scopes: READ_WRITE });
    const rounded = expectProblem(await api('POST', SECURE, { token: t, rawBody: '{"name":"big numbers","attributes":{"serial":12345678901234567891}}', headers: { 'Content-Type': 'application/json' } }), 400);
    expect(rounded.detail).toMatch(/12345678901234567891 .*send it as a string/);
    const created = await api('POST', SECURE, { token: t, rawBody: '{"name":"big numbers","attributes":{"big":100000000000000000000,"max":9007199254740991,"tiny":1e-130}}', headers: { 'Content-Type': 'application/json' } });
    expect(created.status).toBe(201);
    expect(created.text).toContain('"attributes":{"big":100000000000000000000,"max":9007199254740991,"tiny":1e-130}');
  });

  it('400 lists every invalid field with its path', async () => {
    const t = await token({ tenantId: uniqueTenant(), scopes: READ_WRITE });
    // 11 nested objects under `nested`: the 9th `a` is the first object deeper than 10 levels.
    const deep = JSON.parse(`${'{"a":'.repeat(11)}1${'}'.repeat(11)}`) as unknown;
    const problem = expectProblem(
      await api('POST', SECURE, { token: t, body: { name: '   ', visibility: 'secret', version: 7, attributes: { 'bad key': 1, nested: deep } } }),
      400,
    );
    const paths = problem.errors?.map((e) => e.path).sort();
    expect(paths).toEqual(['/attributes/bad key', `/attributes/nested${'/a'.repeat(9)}`, '/name', '/version', '/visibility'].sort());
    expectProblem(await api('POST', SECURE, { token: t, body: ['not', 'an', 'object'] }), 400);
    expectProblem(await api('POST', SECURE, { token: t, body: { name: 'x', attributes: ['list'] } }), 400);
    expectProblem(await api('POST', SECURE, { token: t, rawBody: '{"name":"x","attributes":{"__proto__":{"admin":true}}}', headers: { 'Content-Type': 'application/json' } }), 400);
  });

  it('400 for an id that is not a UUID, 404 for an unknown one', async () => {
    const t = await token({ tenantId: uniqueTenant(), scopes: READ_WRITE });
    expect(expectProblem(await api('GET', `${SECURE}/not-a-uuid`, { token: t }), 400).errors?.[0]?.path).toBe('/id');
    expectProblem(await api('GET', `${SECURE}/6f1c9a52-3b0e-4d7a-9c11-2f8e5d4b7a90`, { token: t }), 404);
  });

  it('405 with Allow for a method a resource does not support', async () => {
    const t = await token({ tenantId: uniqueTenant(), scopes: READ_WRITE });
    const response = await api('POST', `${SECURE}/6f1c9a52-3b0e-4d7a-9c11-2f8e5d4b7a90`, { token: t, body: {} });
    expectProblem(response, 405);
    expect(response.headers.get('allow')).toBe('GET, PUT, PATCH, DELETE');
  });

  it('412 for an If-Match that can never match; 400 for an empty or invalid merge patch', async () => {
    const t = await token({ tenantId: uniqueTenant(), scopes: READ_WRITE });
    const created = (await api('POST', SECURE, { token: t, body: { name: 'precondition' } })).body;
    expectProblem(await api('PUT', `${SECURE}/${created.id}`, { token: t, headers: { 'If-Match': 'garbage' }, body: { name: 'x' } }), 412);
    expectProblem(await api('PATCH', `${SECURE}/${created.id}`, { token: t, body: {} }), 400);
    expectProblem(await api('PATCH', `${SECURE}/${created.id}`, { token: t, body: { name: null } }), 400);
  });

  it('echoes a caller-supplied correlation id on success and on error', async () => {
    const ok = await api('GET', '/api/v1/health', { headers: { 'x-correlation-id': 'trace-abc-123' } });
    expect(ok.headers.get('x-correlation-id')).toBe('trace-abc-123');
    const t = await token({ tenantId: uniqueTenant(), scopes: READ_WRITE });
    const failed = await api('GET', `${SECURE}/not-a-uuid`, { token: t, headers: { 'x-correlation-id': 'trace-def-456' } });
    expect(failed.headers.get('x-correlation-id')).toBe('trace-def-456');
    expect(failed.body.correlationId).toBe('trace-def-456');
  });
});
