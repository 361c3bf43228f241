import { config } from '../config/config.ts';

/**
 * Composition root, identity half: the configuration is validated at import (a bad setting fails
 * the cold start with its name). The token verifier is in ./tokenVerifier.ts, the cursor signing
 * key in ./cursorSigningKey.ts: modules of their own, so only the functions that use them bundle them.
 */
export const settings = config();

