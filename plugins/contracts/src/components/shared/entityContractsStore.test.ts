import { entityResponse, mockContractsApi } from '../../__testUtils__';
import type { EntityContractsResponse } from '../../api';
import { countContractsChange, EntityContractsStore } from './entityContractsStore';

const ref = 'component:default/checkout';

/** A getEntity whose answers the test gives, one by one. */
function controlled() {
  const pending: Array<(v: EntityContractsResponse) => void> = [];
  const api = mockContractsApi({
    getEntity: jest.fn(
      () => new Promise<EntityContractsResponse>(resolve => pending.push(resolve)),
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
});
