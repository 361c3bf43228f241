import { describe, expect, inject, it } from 'vitest';
import { api, token, uniqueTenant } from '../support/api.ts';
import { eventually } from '../support/eventually.ts';
import { expectProblem } from '../support/expectProblem.ts';

const JOBS = '/api/v1/secure/jobs';
const admin = (tenantId: string) => token({ tenantId, scopes: ['entities/read', 'entities/write'], groups: ['admin'] });

describe("the console's job files over HTTP (pre-signed URLs for the local S3)", () => {
  it('uploads an import with the URL handed out, imports it, and downloads its rejected lines; the local S3 allows the console (CORS)', async () => {
    const tenant = uniqueTenant('files');
    const t = await admin(tenant);
    const consoleOrigin = inject('consoleUrl');
    const handed = await api('POST', `${JOBS}/uploads`, { token: t, body: { fileName: 'catalogue.ndjson' } });
    expect(handed.status, handed.text).toBe(201);
    expect(handed.body.source).toMatch(new RegExp(`^s3://entity-platform-local-jobs/imports/${tenant}/[0-9a-f-]{36}/catalogue\\.ndjson$`));
    expect(handed.body.upload).toMatchObject({ method: 'PUT', headers: { 'Content-Type': 'application/x-ndjson' } });
    expect(handed.body.upload.url).toContain('X-Amz-Signature=');

    // As a browser on the console's page would: preflight, then the PUT.
    const preflight = (origin: string) => fetch(handed.body.upload.url, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type' } });
    expect((await preflight(consoleOrigin)).status).toBe(200);
    const put = await fetch(handed.body.upload.url, { method: 'PUT', headers: { ...handed.body.upload.headers, Origin: consoleOrigin }, body: '{"name":"Valve"}\n{"name":\n' });
    expect(put.status, await put.text()).toBe(200);

    const started = await api('POST', JOBS, { token: t, body: { kind: 'import', source: handed.body.source } });
    expect(started.status, started.text).toBe(202);
    const early = await api('GET', `${JOBS}/${started.body.jobId}/files/export`, { token: t });
    expectProblem(early, 404);
    const done = (await eventually(() => api('GET', `${JOBS}/${started.body.jobId}`, { token: t }), (job) => ['SUCCEEDED', 'FAILED'].includes(job.body.state))).body;
    expect(done.state, done.error).toBe('SUCCEEDED');
    expect(done.counts).toMatchObject({ imported: 1, rejected: 1 });
    const link = await api('GET', `${JOBS}/${started.body.jobId}/files/rejects`, { token: t });
    expect(link.status, link.text).toBe(200);
    const rejects = await fetch(link.body.url, { headers: { Origin: consoleOrigin } });
    expect(rejects.headers.get('access-control-allow-origin')).toBe(consoleOrigin);
    expect(rejects.headers.get('content-disposition')).toBe(`attachment; filename="${started.body.jobId}-rejects.ndjson"`);
    expect(JSON.parse((await rejects.text()).trim())).toMatchObject({ line: 2 });

    // Not an admin, not a file, another tenant's job.
    expectProblem(await api('POST', `${JOBS}/uploads`, { token: await token({ tenantId: tenant, scopes: ['entities/read'] }), body: { fileName: 'a.csv' } }), 403);
    const bad = await api('POST', `${JOBS}/uploads`, { token: t, body: { fileName: '../a.csv' } });
    expectProblem(bad, 400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['/fileName']);
    expectProblem(await api('GET', `${JOBS}/${started.body.jobId}/files/secrets`, { token: t }), 400);
    expectProblem(await api('GET', `${JOBS}/${started.body.jobId}/files/rejects`, { token: await admin(uniqueTenant('other')) }), 404);
    // Like every job route (issue 18): the admin group is not enough without the scope.
    const adminWithoutScopes = await token({ tenantId: tenant, scopes: ['openid', 'email'], groups: ['admin'] });
    expectProblem(await api('POST', `${JOBS}/uploads`, { token: adminWithoutScopes, body: { fileName: 'x.ndjson' } }), 403);
    expectProblem(await api('GET', `${JOBS}/${started.body.jobId}/files/rejects`, { token: adminWithoutScopes }), 403);
    const readOnlyAdmin = await token({ tenantId: tenant, scopes: ['entities/read'], groups: ['admin'] });
    expectProblem(await api('POST', `${JOBS}/uploads`, { token: readOnlyAdmin, body: { fileName: 'x.ndjson' } }), 403);
  });

  it("answers the console's preflights and lets it read answers and their headers (CORS), errors included", async () => {
    const consoleOrigin = inject('consoleUrl');
    const preflight = await fetch(`${inject('apiUrl')}/api/v1/secure/entities/3f0c2a1e-8d4b-4c7e-9a51-2b6f0d9e7c10`, {
      method: 'OPTIONS',
      headers: { Origin: consoleOrigin, 'Access-Control-Request-Method': 'PATCH', 'Access-Control-Request-Headers': 'authorization,content-type,if-match' },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(consoleOrigin);
    const t = await token({ tenantId: uniqueTenant('cors'), scopes: ['entities/read'] });
    const missing = await api('GET', '/api/v1/secure/entities/3f0c2a1e-8d4b-4c7e-9a51-2b6f0d9e7c10', { token: t, headers: { Origin: consoleOrigin } });
    expectProblem(missing, 404);
    expect(missing.headers.get('access-control-allow-origin')).toBe(consoleOrigin);
    expect(missing.headers.get('access-control-expose-headers')).toContain('ETag');
  });
});
