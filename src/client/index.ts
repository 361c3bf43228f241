import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './openapi.ts';

/**
 * A typed client of the entity platform API for TypeScript consumers: openapi-fetch over the types
 * openapi-typescript generates from docs/openapi.json (src/client/openapi.ts), so every path,
 * parameter, body and response is checked against the published contract at compile time.
 *
 * ```ts
 * import { createEntityPlatformClient } from 'entity-platform/client';
 * const api = createEntityPlatformClient({ baseUrl: 'https://…/dev', token: () => getAccessToken() });
 * const { data, error, response } = await api.POST('/api/v1/secure/entities', { body: { name: 'Blue widget' } });
 * ```
 */
export type { components, operations, paths };
export type Entity = components['schemas']['Entity'];
export type EntityInput = components['schemas']['EntityInput'];
export type EntityPatch = components['schemas']['EntityPatch'];
export type EntityPage = components['schemas']['EntityPage'];
export type Problem = components['schemas']['Problem'];
export type EntityPlatformClient = Client<paths>;

export const MERGE_PATCH_CONTENT_TYPE = 'application/merge-patch+json';

export interface EntityPlatformClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** The API's base URL: the stage URL (`https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`) or `http://127.0.0.1:3000` locally. */
  readonly baseUrl: string;
  /** A Cognito access token, or a function returning a fresh one per request; omit for anonymous /data reads. */
  readonly token?: string | (() => string | Promise<string>);
}

export function createEntityPlatformClient(options: EntityPlatformClientOptions): EntityPlatformClient {
  const { token, ...rest } = options;
  const client = createClient<paths>(rest);
  if (token !== undefined) {
    client.use({
      async onRequest({ request }) {
        request.headers.set('Authorization', `Bearer ${typeof token === 'function' ? await token() : token}`);
        return request;
      },
    });
  }
  return client;
}
