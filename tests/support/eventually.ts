/**
 * Polls `read` until `check` passes or `timeoutMs` runs out, and returns the last value read (the
 * event pipeline is asynchronous: stream → publisher → bus → queue → consumer).
 */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
