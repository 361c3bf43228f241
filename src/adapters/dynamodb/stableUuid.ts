import { createHash } from 'node:crypto';

/**
 * A UUID (version 5 layout, SHA-256) derived from `name`: the same name always gives the same id,
 * so a replayed write finds the entity an earlier attempt created instead of making a second one
 * (an import line of a job, a legacy system's record in one of its lives).
 */
export function stableUuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
