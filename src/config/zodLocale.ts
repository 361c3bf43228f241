import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * zod/mini (the same parser as `zod` without the method-chaining classes: ~70 KB less in every
 * bundle, README "Performance") carries no messages of its own. Every module that parses with it
 * imports this one for its side effect: English messages, as classic zod's. The locale is imported
 * alone: `z.locales` would bundle every language.
 */
z.config(en());
