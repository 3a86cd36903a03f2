/**
 * Runs `fn` over and over: `intervalMs` apart, or further apart when a run is slow, so that the
 * polling takes at most `maxShare` of the time (of the event loop it shares with the requests)
 * however large the catalog grows (but at most `maxPauseMs` apart). Runs never overlap.
 *
 * A run that fails (its promise rejects) is followed by the plain interval, however long it
 * took: a failure is slow because something waited (a timeout, a refused connection retried),
 * not because of work on the event loop, and the next run is what notices the recovery.
 * Except for failures `backOff` picks (a read that timed out: the source is overloaded, and
 * the read it gave up on still runs there): after each one in a row the pause doubles, from
 * the interval up to the pause of a slow run of that length (the first one is followed by the
 * interval still, a second by twice that, …), so that an overloaded source is not asked again
 * every interval while one failure alone is still retried as soon.
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
  /** Failures after which the pause doubles while they follow each other (see above). */
  backOff?: (error: unknown) => boolean;
}): () => void {
  const { intervalMs, maxShare, maxPauseMs, fn, onError, onPause, backOff } =
    options;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  /** Failures picked by `backOff` in a row. */
  let backedOff = 0;
  const tick = async () => {
    const started = Date.now();
    let failed = false;
    try {
      await fn();
      backedOff = 0;
    } catch (error) {
      failed = true;
      backedOff = backOff?.(error) ? backedOff + 1 : 0;
      onError?.(error);
    }
    if (stopped) return;
    const runMs = Date.now() - started;
    const slowPause = Math.max(
      intervalMs,
      Math.min(maxPauseMs, (runMs * (1 - maxShare)) / maxShare),
    );
    let pause = slowPause;
    if (failed) {
      pause = backedOff
        ? Math.min(slowPause, intervalMs * 2 ** Math.min(backedOff - 1, 20))
        : intervalMs;
    }
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
