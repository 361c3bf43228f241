import { stageName } from '../src/config/environment.ts';
import { httpHandler } from '../src/http/httpHandler.ts';
import { jsonResponse } from '../src/http/responses.ts';

/** The stage this container serves, read once. */
const STAGE = stageName();

/** GET /api/v1/health: liveness of the function itself; touches no dependency, needs no token. */
export const handler = httpHandler(() => Promise.resolve(jsonResponse(200, { status: 'ok', stage: STAGE }, { 'Cache-Control': 'no-store' })));
