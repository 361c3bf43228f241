import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';

/**
 * Polls `read` until `check` passes or `timeoutMs` runs out, and returns the last value read (the
 * event pipeline is asynchronous: stream → publisher → bus → queue → consumer). When time runs
 * out, it prints what the local pipeline was doing (messages waiting per queue, its last log
 * lines), so a failure says whether the pipeline was stuck, failing or only behind.
 */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) {
      console.error(`eventually: not there after ${timeoutMs} ms. ${await pipelineState()}`);
      return value;
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

async function pipelineState(): Promise<string> {
  try {
    const queues = await (await fetch(`${inject('eventBusEndpoint')}/queues`)).text();
    const log = await readFile(inject('pipelineLog'), 'utf8').catch(() => '');
    return `Messages per queue: ${queues}; pipeline log (last lines):\n${log.trim().split('\n').slice(-30).join('\n') || '(empty)'}`;
  } catch (error) {
    return `(no pipeline state: ${String(error)})`;
  }
}
