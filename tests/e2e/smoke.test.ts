import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, inject, it } from 'vitest';
import { clientCredentialsToken, runSmokeTest } from '../../scripts/smoke.ts';
import { api, READ_WRITE, token, uniqueTenant } from '../support/api.ts';

describe('the post-deploy smoke test (scripts/smoke.ts) against the local stack', () => {
  it('creates, reads, finds by search (through the event pipeline and the read model) and deletes one entity', async () => {
    const tenant = uniqueTenant('smoke');
    const t = await token({ tenantId: tenant, scopes: READ_WRITE });
    const steps = await runSmokeTest({ apiUrl: inject('apiUrl'), token: t, searchWithinMs: 60_000 });
    expect(steps.map((s) => s.split(' ')[0])).toEqual(['created', 'read', 'found', 'deleted']);
    const id = steps[0]!.split(' ')[1]!;
    expect((await api('GET', `/api/v1/secure/entities/${id}`, { token: t })).status).toBe(404);
  });

  it('fails, naming the step and the answer, when the stage refuses the sign-in', async () => {
    const readOnly = await token({ tenantId: uniqueTenant('smoke'), scopes: ['entities/read'] });
    await expect(runSmokeTest({ apiUrl: inject('apiUrl'), token: readOnly })).rejects.toThrow(/smoke: create answered 403/);
  });
});

describe('the smoke test\'s sign-in (client-credentials grant at the token endpoint)', () => {
  it('sends the client\'s id and secret as HTTP Basic, asks for the entity scopes, and returns the access token', async () => {
    const received: { method?: string; url?: string; headers: Record<string, unknown>; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ method: req.method, url: req.url, headers: req.headers, body });
        const ok = req.headers.authorization === `Basic ${Buffer.from('client-1:secret-1').toString('base64')}`;
        res.writeHead(ok ? 200 : 400, { 'content-type': 'application/json' }).end(JSON.stringify(ok ? { access_token: 'at-1', token_type: 'Bearer', expires_in: 3600 } : { error: 'invalid_client' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/token`;
    try {
      expect(await clientCredentialsToken(url, 'client-1', 'secret-1')).toBe('at-1');
      expect(received[0]).toMatchObject({ method: 'POST', url: '/oauth2/token', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(Object.fromEntries(new URLSearchParams(received[0]!.body))).toEqual({ grant_type: 'client_credentials', scope: 'entities/read entities/write' });
      await expect(clientCredentialsToken(url, 'client-1', 'wrong')).rejects.toThrow(/HTTP 400 invalid_client/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
