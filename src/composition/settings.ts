import { readConfig } from '../config/config.ts';

/**
 * Composition root: the function's configuration, validated at import (a bad setting fails the
 * cold start with its name). What needs a call (the token verifier, the cursor signing key, the
 * DynamoDB client…) is in a module of its own, so only the functions that use it bundle it.
 */
export const settings = readConfig();
