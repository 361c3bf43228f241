import { httpHandler } from '../src/http/httpHandler.ts';
import { jsonResponse } from '../src/http/responses.ts';

/** GET /api/v1/health: liveness of the function itself; touches no dependency, needs no token. */
export const handler = httpHandler(() =>
  Promise.resolve(jsonResponse(200, { status: 'ok', stage: process.env.STAGE ?? 'unknown' }, { 'Cache-Control': 'no-store' })),
);
