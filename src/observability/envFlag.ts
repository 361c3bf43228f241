/**
 * A switch from the environment, as Powertools reads its own: `true`/`1`/`yes`/`on` or
 * `false`/`0`/`no`/`off` (any case, blanks around); `undefined` when unset or anything else.
 */
export function envFlag(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const word = value.trim().toLowerCase();
  if (word === 'true' || word === '1' || word === 'yes' || word === 'on') return true;
  if (word === 'false' || word === '0' || word === 'no' || word === 'off') return false;
  return undefined;
}
