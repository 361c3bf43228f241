import document from '../docs/openapi.json' with { type: 'json' };
import { httpHandler } from '../src/http/httpHandler.ts';
import { jsonResponse, STATIC_CACHE_CONTROL } from '../src/http/responses.ts';

const body = JSON.stringify(document);

/**
 * GET /api/v1/openapi.json: the OpenAPI document `npm run openapi` generated from the zod schemas,
 * bundled into this function as data (the generator never runs here).
 */
export const handler = httpHandler(() =>
  Promise.resolve({ ...jsonResponse(200, null, { 'Cache-Control': STATIC_CACHE_CONTROL }), body }),
);
