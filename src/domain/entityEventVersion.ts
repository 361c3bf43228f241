// Apart from ./entityEvents.ts, which the producers bundle, and ./entityEventSchema.ts, which checks it: both need it.

/** Bumped on any incompatible change of the envelope; consumers reject versions they do not know. */
export const ENTITY_EVENT_SCHEMA_VERSION = 1;
