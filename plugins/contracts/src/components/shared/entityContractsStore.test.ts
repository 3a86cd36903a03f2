import { entityResponse, mockContractsApi } from '../../__testUtils__';
import type { EntityContractsResponse } from '../../api';
import { mockApis } from '@backstage/test-utils';
import {
  countContractsChange,
  EntityContractsStore,
} from './entityContractsStore';
import { refreshIntervalsFrom } from './useEntityContracts';

const ref = 'component:default/checkout';

/** A getEntity whose answers the test gives, one by one. */
function controlled() {
  const pending: Array<(v: EntityContractsResponse) => void> = [];
  const api = mockContractsApi({
    getEntity: jest.fn(
      () =>
        new Promise<EntityContractsResponse>(resolve => pending.push(resolve)),
    ),
  });
  return { api, answer: (v = entityResponse()) => pending.shift()!(v) };
}

const flush = () => jest.advanceTimersByTimeAsync(0);

describe('EntityContractsStore', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('asks again after an answer that a change made meanwhile outdated, once', async () => {
    const { api, answer } = controlled();
    const store = new EntityContractsStore(api);
    store.subscribe(ref, () => {});
    expect(api.getEntity).toHaveBeenCalledTimes(1);

    countContractsChange();
    store.refresh(ref);
    store.refresh(ref);
    expect(api.getEntity).toHaveBeenCalledTimes(1);
    answer();
    await flush();
    expect(api.getEntity).toHaveBeenCalledTimes(2);
    answer();
    await flush();
    expect(api.getEntity).toHaveBeenCalledTimes(2);
  });

  it('stops asking when no card shows the entity, and shows the kept answer when one does again', async () => {
    const api = mockContractsApi();
    const store = new EntityContractsStore(api);
    const unsubscribe = store.subscribe(ref, () => {});
    await flush();
    const value = store.get(ref).value;
    expect(value).toBeDefined();
    unsubscribe();
    await jest.advanceTimersByTimeAsync(3 * 60_000);
    expect(api.getEntity).toHaveBeenCalledTimes(1);

    store.subscribe(ref, () => {});
    expect(store.get(ref).value).toBe(value);
    expect(api.getEntity).toHaveBeenCalledTimes(2);
    await flush();
    // the same body: the same object, nothing re-renders
    expect(store.get(ref).value).toBe(value);
  });

  it('asks on the next card after a change whose refresh the cards left before it was made', async () => {
    const { api, answer } = controlled();
    const store = new EntityContractsStore(api);
    const unsubscribe = store.subscribe(ref, () => {});
    countContractsChange();
    store.refresh(ref);
    unsubscribe();
    answer();
    await flush();
    expect(api.getEntity).toHaveBeenCalledTimes(1);
    // within the 2 s in which a fresh answer is not asked again
    store.subscribe(ref, () => {});
    expect(api.getEntity).toHaveBeenCalledTimes(2);
  });

  it('asks again later when the client throws instead of rejecting', async () => {
    let calls = 0;
    const api = mockContractsApi({
      getEntity: jest.fn(async () => entityResponse()),
    });
    (api.getEntity as jest.Mock).mockImplementationOnce(() => {
      calls++;
      throw new Error('no network');
    });
    const store = new EntityContractsStore(api);
    store.subscribe(ref, () => {});
    expect(calls).toBe(1);
    await flush();
    expect(store.get(ref).error?.message).toBe('no network');
    await jest.advanceTimersByTimeAsync(2_000);
    expect(api.getEntity).toHaveBeenCalledTimes(2);
    expect(store.get(ref).value).toBeDefined();
  });

  it('reads the refresh interval from config: at least 5 s, 0 for none', () => {
    const interval = (seconds: number) =>
      refreshIntervalsFrom(
        mockApis.config({
          data: {
            contracts: { frontend: { refreshIntervalSeconds: seconds } },
          },
        }),
      ).intervalMs;
    expect(interval(120)).toBe(120_000);
    expect(interval(0.001)).toBe(5_000);
    expect(interval(0)).toBe(0);
    expect(refreshIntervalsFrom(mockApis.config()).intervalMs).toBe(60_000);
  });
});
