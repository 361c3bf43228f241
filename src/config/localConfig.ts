import * as z from 'zod/mini';
import { parseEnvironment } from './config.ts';

/** The local stage's own settings (`npm start` sets them): read by the local issuer only, so no other stage's bundle contains them. */
const localConfigSchema = z.object({
  /** Where `npm start` keeps the issuer's keys. */
  LOCAL_ISSUER_DIR: z.string().check(z.minLength(1)),
  /** The fixed key that signs pagination cursors locally (in AWS, the runtime secret's). */
  CURSOR_SIGNING_KEY: z.string().check(z.minLength(16)),
});
export type LocalConfig = z.output<typeof localConfigSchema>;

export function readLocalConfig(): LocalConfig {
  return parseEnvironment(localConfigSchema, process.env, 'local configuration');
}
