import { useCallback, useEffect, useState } from 'react';
import { problemOf, type ShownProblem } from './api.ts';

/** Runs `load` whenever its dependencies change; the latest answer wins. */
export function useCall<T>(load: () => Promise<T>, deps: readonly unknown[]): { data: T | undefined; problem: ShownProblem | undefined; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data?: T; problem?: ShownProblem; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  // The caller's deps are load's (as for useEffect): a new load runs when they change.
  // eslint-disable-next-line react-hooks/exhaustive-deps, react-hooks/use-memo
  const run = useCallback(load, deps);
  useEffect(() => {
    let current = true;
    // Shown at once: the previous answer stays on screen, marked as being reloaded.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setState((s) => ({ ...s, loading: true }));
    run().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) => current && setState({ problem: problemOf(error), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [run, round]);
  return { data: state.data, problem: state.problem, loading: state.loading, reload: () => setRound((r) => r + 1) };
}
