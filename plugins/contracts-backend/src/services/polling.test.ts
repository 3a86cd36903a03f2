import { startPolling } from './polling';

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** Runs `startPolling` with runs of `runMs` (failing ones when `fail`) until `runs` are done. */
async function poll(options: {
  runMs: number;
  fail: boolean | ((run: number) => Error | undefined);
  runs: number;
  backOff?: (error: unknown) => boolean;
}) {
  let run = 0;
  const pauses: Array<{ pauseMs: number; runMs: number }> = [];
  const errors: unknown[] = [];
  let done!: () => void;
  const finished = new Promise<void>(resolve => {
    done = resolve;
  });
  const stop = startPolling({
    intervalMs: 20,
    maxShare: 0.05,
    maxPauseMs: 60_000,
    backOff: options.backOff,
    fn: async () => {
      await sleep(options.runMs);
      const error =
        typeof options.fail === 'function'
          ? options.fail(run++)
          : options.fail && new Error('the catalog did not answer');
      if (error) throw error;
    },
    onError: error => errors.push(error),
    onPause: (pauseMs, runMs) => {
      pauses.push({ pauseMs, runMs });
      if (pauses.length === options.runs) done();
    },
  });
  await finished;
  stop();
  return { pauses, errors };
}

describe('startPolling', () => {
  it('stretches the pause after a slow run, to keep its share of the time', async () => {
    const { pauses } = await poll({ runMs: 100, fail: false, runs: 1 });
    // ≈ 100 ms of work may take 5% of the time: 19 times the run apart (≈ 1.9 s; the run is
    // measured, and a 100 ms timer may be seen as 99 ms by Date.now)
    expect(pauses[0].runMs).toBeGreaterThanOrEqual(95);
    expect(pauses[0].pauseMs).toBeCloseTo(pauses[0].runMs * 19, 6);
  });

  it('follows a failed run with the plain interval, however long it took', async () => {
    const started = Date.now();
    const { pauses, errors } = await poll({ runMs: 100, fail: true, runs: 3 });
    expect(pauses.map(p => p.pauseMs)).toEqual([20, 20, 20]);
    expect(errors).toHaveLength(3);
    expect(String(errors[0])).toContain('the catalog did not answer');
    // three runs of 100 ms, 20 ms apart (not 1.9 s)
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('doubles the pause after each timed-out run in a row, up to the pause of a slow run; a success or another failure resets it', async () => {
    class Timeout extends Error {}
    // runs of 30 ms (a slow run's pause: 570 ms): four timeouts, a success, a timeout, a refusal
    const errors = [
      new Timeout(),
      new Timeout(),
      new Timeout(),
      new Timeout(),
      new Timeout(),
      undefined,
      new Timeout(),
      new Error('connect ECONNREFUSED'),
    ];
    const { pauses } = await poll({
      runMs: 30,
      fail: run => errors[run],
      runs: errors.length,
      backOff: error => error instanceof Timeout,
    });
    // after the success: the pause of a slow run of its measured length (≈ 570 ms)
    const slow = pauses[5].pauseMs;
    expect(slow).toBeCloseTo(pauses[5].runMs * 19, 6);
    expect(slow).toBeGreaterThan(320);
    expect(pauses.map(p => p.pauseMs)).toEqual([
      20,
      40,
      80,
      160,
      320,
      slow,
      20,
      20,
    ]);
    // the cap: the pause of a slow run of that length
    const long = await poll({
      runMs: 30,
      fail: () => new Timeout(),
      runs: 8,
      backOff: error => error instanceof Timeout,
    });
    for (const p of long.pauses) {
      expect(p.pauseMs).toBeLessThanOrEqual(
        Math.max(20, (p.runMs * 0.95) / 0.05),
      );
    }
    // the eighth doubling (2,560 ms) is held at the cap
    expect(long.pauses[7].pauseMs).toBeCloseTo(long.pauses[7].runMs * 19, 6);
  });
});
