import { httpHandler } from '../src/http/httpHandler.ts';
import { HttpProblem } from '../src/http/problem.ts';

/** The methods each resource supports; any other method on a known resource is a 405 naming them. */
const ALLOWED: Record<string, string> = {
  '/api/v1/health': 'GET',
  '/api/v1/openapi.json': 'GET',
  '/api/v1/docs': 'GET',
  '/api/v1/data/entities': 'GET',
  '/api/v1/data/entities/{id}': 'GET',
  '/api/v1/secure/entities': 'GET, POST',
  '/api/v1/secure/entities/{id}': 'GET, PUT, PATCH, DELETE',
  '/api/v1/secure/entities/{id}/history': 'GET',
  '/api/v1/secure/entities/search': 'GET',
  '/api/v1/secure/entities/stats': 'GET',
  '/api/v1/secure/jobs': 'POST',
  '/api/v1/secure/jobs/{id}': 'GET',
  '/api/v1/secure/jobs/uploads': 'POST',
  '/api/v1/secure/jobs/{id}/files/{file}': 'GET',
};

export const handler = httpHandler(({ event }) => {
  const allow = ALLOWED[event.resource] ?? 'GET';
  return Promise.reject(new HttpProblem('method-not-allowed', `${event.httpMethod} is not supported on ${event.path}; use ${allow}.`, { headers: { Allow: allow } }));
});
