import { describe, expect, it } from 'vitest';
import { api } from '../support/api.ts';
import { openApiDocument } from '../support/contract.ts';
import { expectProblem } from '../support/expectProblem.ts';

describe('the API describes itself', () => {
  it('serves the generated OpenAPI document, public and cacheable for an hour', async () => {
    const response = await api('GET', '/api/v1/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(response.body).toEqual(openApiDocument);
  });

  it('serves a self-contained reference page', async () => {
    const response = await api('GET', '/api/v1/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.text).toContain('<h1>Entity platform API');
    expect(response.text).toContain('href="openapi.json"');
    expect(response.text).toContain('id="op-createEntity"');
    expect(response.text).not.toMatch(/<script|<link|src=|href="(?:https?:)?\/\//i);
  });

  it('answers other methods with 405 and Allow: GET', async () => {
    for (const path of ['/api/v1/openapi.json', '/api/v1/docs']) {
      const response = await api('DELETE', path);
      expectProblem(response, 405);
      expect(response.headers.get('allow')).toBe('GET');
    }
  });
});
