/**
 * Memoizes an async factory for the container's lifetime; a failure is not cached, so the next call retries.
 * Calling `once` has no effect until its result is called, and esbuild is told so: a function that
 * never uses a composition export does not bundle what that export would build (e.g. getEntity and
 * Powertools idempotency).
 */
/* #__NO_SIDE_EFFECTS__ */
export function once<T>(build: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= build().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
