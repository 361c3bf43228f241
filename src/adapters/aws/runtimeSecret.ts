import * as z from 'zod/mini';
import { parseSettingsDocument } from '../../config/config.ts';
import { readJsonSecret } from './parameters.ts';

/**
 * The stage's runtime secret in Secrets Manager (resources/identity.yml): a generated secret
 * holding the key that signs pagination cursors, read through Powertools Parameters (cached for
 * the settings' max age, so a rotated key is picked up without a redeploy).
 */
const secretSchema = z.object({ cursorSigningKey: z.string().check(z.minLength(16)) });

export async function readCursorSigningKey(secretId: string, region: string): Promise<string> {
  return parseSettingsDocument(secretSchema, await readJsonSecret(secretId, region), `Runtime secret ${secretId}`).cursorSigningKey;
}
