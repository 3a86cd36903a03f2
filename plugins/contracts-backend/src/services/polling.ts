/**
 * Runs `fn` over and over: `intervalMs` apart, or further apart when a run is slow, so that the
 * polling takes at most `maxShare` of the time (of the event loop it shares with the requests)
 * however large the catalog grows (but at most `maxPauseMs` apart). Runs never overlap.
 *
 * A run that fails (its promise rejects) is followed by the plain interval, however long it
 * took: a failure is slow because something waited (a timeout, a refused connection retried),
 * not because of work on the event loop, and the next run is what notices the recovery.
 * Returns a function that stops it.
 */
export function startPolling(options: {
  intervalMs: number;
  maxShare: number;
  /** The longest pause, however slow a run was: the bound on how stale the graph may get. */
  maxPauseMs: number;
  fn: () => Promise<unknown>;
  /** Told the failure of a run (the next one comes after `intervalMs`). */
  onError?: (error: unknown) => void;
  /** Told the pause chosen after each run, for logging. */
  onPause?: (pauseMs: number, runMs: number) => void;
}): () => void {
  const { intervalMs, maxShare, maxPauseMs, fn, onError, onPause } = options;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = async () => {
    const started = Date.now();
    let failed = false;
    try {
      await fn();
    } catch (error) {
      failed = true;
      onError?.(error);
    }
    if (stopped) return;
    const runMs = Date.now() - started;
    const pause = failed
      ? intervalMs
      : Math.max(
          intervalMs,
          Math.min(maxPauseMs, (runMs * (1 - maxShare)) / maxShare),
        );
    onPause?.(pause, runMs);
    timer = setTimeout(tick, pause);
    timer.unref?.();
  };
  timer = setTimeout(tick, intervalMs);
  timer.unref?.();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
