import document from '../docs/openapi.json' with { type: 'json' };
import { httpHandler } from '../src/http/httpHandler.ts';
import { renderReferencePage } from '../src/http/referencePage.ts';
import { STATIC_CACHE_CONTROL } from '../src/http/responses.ts';

let page: string | undefined;

/** GET /api/v1/docs: the reference page, rendered from the bundled OpenAPI document once per container. */
export const handler = httpHandler(() => {
  page ??= renderReferencePage(document);
  return Promise.resolve({
    statusCode: 200,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': STATIC_CACHE_CONTROL,
      // Everything is inline and nothing runs: no script, no external asset.
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      'X-Content-Type-Options': 'nosniff',
    },
    body: page,
  });
});
