import { PreconditionFailedError } from '../domain/errors.ts';
import type { ExpectedVersion } from '../domain/entityService.ts';

/** Entity ETags are strong and derived from the version: `"3"`. */
export const etagFor = (version: number): string => `"${version}"`;

const ETAG = /^(?:W\/)?"(\d{1,15})"$/;

function versionsIn(headerValue: string): number[] {
  return headerValue
    .split(',')
    .map((part) => ETAG.exec(part.trim())?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number);
}

/**
 * If-Match → the version the caller expects. Absent or `*` pins nothing (the entity must merely
 * exist); an ETag that can never match fails the precondition, as RFC 9110 requires. If-Match
 * uses the strong comparison (RFC 9110 §13.1.1): a weak ETag (`W/"3"`) never matches.
 */
export function expectedVersionFrom(ifMatch: string | undefined): ExpectedVersion {
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined;
  if (/(?:^|,)\s*W\//.test(ifMatch)) {
    throw new PreconditionFailedError('If-Match compares strongly (RFC 9110): a weak ETag (W/"…") never matches; send the ETag exactly as a response gave it, e.g. If-Match: "3".');
  }
  const versions = versionsIn(ifMatch);
  if (versions.length !== 1) {
    throw new PreconditionFailedError('If-Match must carry exactly one ETag from a previous response of this entity, e.g. If-Match: "3".');
  }
  return versions[0];
}

/** If-None-Match on a GET: true when the client's copy is current (→ 304). */
export function isNotModified(ifNoneMatch: string | undefined, version: number): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.trim() === '*' || versionsIn(ifNoneMatch).includes(version);
}

/** The newest version an If-None-Match says the client holds (undefined for none or `*`): a cache must not answer with an older one. */
export function newestVersionIn(ifNoneMatch: string | undefined): number | undefined {
  if (ifNoneMatch === undefined) return undefined;
  const versions = versionsIn(ifNoneMatch);
  return versions.length === 0 ? undefined : Math.max(...versions);
}
