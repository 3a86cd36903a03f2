import { startPolling } from './polling';

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** Runs `startPolling` with runs of `runMs` (failing ones when `fail`) until `runs` are done. */
async function poll(options: { runMs: number; fail: boolean; runs: number }) {
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
    fn: async () => {
      await sleep(options.runMs);
      if (options.fail) throw new Error('the catalog did not answer');
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
    // 100 ms of work may take 5% of the time: 1.9 s apart at least
    expect(pauses[0].pauseMs).toBeGreaterThanOrEqual(1900);
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
});
