// What the ports' list methods and the read-model queries answer (./ports.ts re-exports it).

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque; pass back unchanged to get the next page. `null` on the last page. */
  readonly nextCursor: string | null;
}
