import { act, screen, waitFor } from '@testing-library/react';
import type { SignalApi } from '@backstage/plugin-signals-react';
import {
  entityResponse,
  mockContractsApi,
  renderWith,
} from '../../__testUtils__';
import { EntityContractsStore } from './entityContractsStore';
import { useEntityContracts } from './useEntityContracts';

const ref = 'component:default/checkout';

/** A signal API whose messages the test sends, as the signals plugin delivers them. */
function testSignals() {
  const subscribers = new Map<string, Set<(m: any) => void>>();
  const api: SignalApi = {
    subscribe(channel, onMessage) {
      const set = subscribers.get(channel) ?? new Set();
      subscribers.set(channel, set);
      set.add(onMessage as (m: any) => void);
      return { unsubscribe: () => set.delete(onMessage as (m: any) => void) };
    },
  };
  const send = (channel: string, message: object) =>
    act(() => subscribers.get(channel)?.forEach(s => s(message)));
  return { api, send, subscribers };
}

const Probe = () => {
  const { value } = useEntityContracts(ref);
  return <div>{value ? `findings: ${value.findings.length}` : 'loading'}</div>;
};

describe('the contracts signals', () => {
  it('a signal of the backend makes the open views ask again at once, once per signal', async () => {
    const api = mockContractsApi({
      getEntity: jest.fn(async () => entityResponse()),
    });
    const signals = testSignals();
    await renderWith(
      <>
        <Probe />
        <Probe />
      </>,
      { api, signals: signals.api },
    );
    await screen.findAllByText(/findings:/);
    const before = (api.getEntity as jest.Mock).mock.calls.length;
    expect(signals.subscribers.get('contracts')?.size).toBeGreaterThan(0);

    signals.send('contracts', {
      kind: 'decisions',
      at: '2026-12-06T10:00:00Z',
    });
    await waitFor(() =>
      expect((api.getEntity as jest.Mock).mock.calls.length).toBe(before + 1),
    );
    // the same signal seen by both views is one refetch; another signal is another
    signals.send('contracts', { kind: 'graph', at: '2026-12-06T10:00:01Z' });
    await waitFor(() =>
      expect((api.getEntity as jest.Mock).mock.calls.length).toBe(before + 2),
    );
    // other channels are not ours
    signals.send('notifications', { action: 'new_notification' });
    await new Promise(r => setTimeout(r, 50));
    expect((api.getEntity as jest.Mock).mock.calls.length).toBe(before + 2);
  });

  it('while signals reach the page, a current answer is not refetched periodically (the fallback is)', async () => {
    jest.useFakeTimers();
    try {
      const api = mockContractsApi({
        getEntity: jest.fn(async () => entityResponse()),
      });
      const polled = new EntityContractsStore(api);
      polled.subscribe(ref, () => {});
      await jest.advanceTimersByTimeAsync(61_000);
      expect(api.getEntity).toHaveBeenCalledTimes(2);

      const api2 = mockContractsApi({
        getEntity: jest.fn(async () => entityResponse()),
      });
      const signalled = new EntityContractsStore(api2);
      signalled.setSignalled(true);
      signalled.subscribe(ref, () => {});
      await jest.advanceTimersByTimeAsync(181_000);
      expect(api2.getEntity).toHaveBeenCalledTimes(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
