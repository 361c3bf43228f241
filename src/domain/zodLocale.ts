import * as z from 'zod/mini';
import * as locales from 'zod/locales';

/**
 * zod/mini installs no locale (classic `zod` installs English with its first schema), so a check
 * without a message of its own would say only "Invalid input". Problem details, rejected import
 * records, malformed-event errors and configuration errors quote zod's English messages: import
 * this module, for its side effect, wherever a zod/mini schema's issues reach a person.
 * (`locales.en`, not `z.locales.en`: through `z`, esbuild bundles every locale.)
 */
z.config(locales.en());
