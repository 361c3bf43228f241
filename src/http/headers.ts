import type { APIGatewayProxyEvent } from 'aws-lambda';

/**
 * Header lookup that ignores case: API Gateway passes header names as the client sent them.
 * Several lookups run per request, so this one allocates nothing: only a name of the right length
 * is lower-cased and compared.
 */
export function header(event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined {
  const headers = event.headers;
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) {
    if (key.length !== wanted.length) continue;
    const value = headers[key];
    if (value !== undefined && (key === wanted || key.toLowerCase() === wanted)) return value;
  }
  return undefined;
}
