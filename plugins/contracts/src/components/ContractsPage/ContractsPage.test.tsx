import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useLocation } from 'react-router-dom';
import {
  accessFinding,
  latencyFinding,
  mockContractsApi,
  renderWith,
} from '../../__testUtils__';
import type { ContractsGraph } from '../../api';
import {
  parseGraphState,
  sliceGraph,
  teamColors,
  writeGraphState,
} from '../ContractsGraph';
import { ContractsPage } from './ContractsPage';

const node = (name: string, owner?: string, hasContract = true) => ({
  ref: `component:default/${name}`,
  kind: 'Component',
  name,
  owner,
  hasContract,
});
const c = (name: string) => `component:default/${name}`;

const graph: ContractsGraph = {
  nodes: [
    node('checkout', 'group:default/payments-team'),
    node('risk', 'group:default/risk-team'),
    node('support', 'group:default/support-team'),
    node('orders', 'group:default/payments-team', false),
    node('ledger', 'group:default/payments-team'),
  ],
  edges: [
    { id: 'e1', from: c('checkout'), to: c('risk'), kind: 'call', subject: 'scoreTransaction', findings: ['f-latency'] },
    { id: 'e2', from: c('support'), to: c('risk'), kind: 'data-need', subject: 'fraud_signal_breakdown', findings: ['f-access'] },
    { id: 'e3', from: c('risk'), to: c('orders'), kind: 'dataset', subject: 'purchases', findings: [] },
    { id: 'e4', from: c('orders'), to: c('ledger'), kind: 'call', subject: 'post', findings: [] },
  ],
  findings: [latencyFinding, accessFinding],
};

const all = parseGraphState(new URLSearchParams());

/** Shows the test app's current search string, for asserting what the graph wrote to the URL. */
const Probe = () => <div data-testid="location">{useLocation().search}</div>;
const url = () => decodeURIComponent(screen.getByTestId('location').textContent ?? '');

describe('graph view state in the URL', () => {
  it('round-trips every field and leaves defaults out', () => {
    expect(writeGraphState(all).toString()).toBe('');
    const state = {
      ...all,
      system: 'system:default/payments',
      severities: ['error' as const],
      rules: ['latency-budget', 'access-policy'],
      conflictsOnly: true,
      around: c('risk'),
      depth: 3,
      from: c('checkout'),
      to: c('ledger'),
      find: 'ord',
      selected: { type: 'edge' as const, id: 'e1' },
    };
    const params = writeGraphState(state, new URLSearchParams('tab=x'));
    expect(params.get('tab')).toBe('x');
    expect(params.get('depth')).toBe('3');
    expect(params.get('selected')).toBe('edge:e1');
    expect(parseGraphState(params)).toEqual(state);
  });

  it('reads malformed values as defaults', () => {
    const s = parseGraphState(
      new URLSearchParams('depth=-2&severity=error,bogus&selected=what&conflicts=yes'),
    );
    expect(s.depth).toBe(1);
    expect(s.severities).toEqual(['error']);
    expect(s.selected).toBeUndefined();
    expect(s.conflictsOnly).toBe(false);
    expect(parseGraphState(new URLSearchParams('depth=99')).depth).toBe(6);
  });
});

describe('sliceGraph', () => {
  const refs = (s: { nodes: Array<{ ref: string }> }) =>
    s.nodes.map(n => n.ref.replace('component:default/', '')).sort();

  it('counts findings by severity and rule; conflicts only keeps their edges', () => {
    const s = sliceGraph(graph, { ...all, severities: ['error'] });
    expect(s.edgeSeverity.get('e1')).toBe('error');
    expect(s.edgeSeverity.get('e2')).toBeUndefined();
    expect(s.nodeOpenFindings.get(c('risk'))).toHaveLength(1);
    const only = sliceGraph(graph, { ...all, conflictsOnly: true, rules: ['access-policy'] });
    expect(only.edges.map(e => e.id)).toEqual(['e2']);
    expect(refs(only)).toEqual(['risk', 'support']);
  });

  it('takes a neighbourhood in both directions to the given depth', () => {
    expect(refs(sliceGraph(graph, { ...all, around: c('orders'), depth: 1 }))).toEqual([
      'ledger',
      'orders',
      'risk',
    ]);
    const two = sliceGraph(graph, { ...all, around: c('orders'), depth: 2 });
    expect(refs(two)).toEqual(['checkout', 'ledger', 'orders', 'risk', 'support']);
    expect(two.focus).toEqual([c('orders')]);
  });

  it('finds the path between two entities, directed first, else ignoring direction', () => {
    const directed = sliceGraph(graph, { ...all, from: c('checkout'), to: c('ledger') });
    expect(directed.path).toEqual([c('checkout'), c('risk'), c('orders'), c('ledger')]);
    expect(directed.edges.map(e => e.id)).toEqual(['e1', 'e3', 'e4']);
    const across = sliceGraph(graph, { ...all, from: c('checkout'), to: c('support') });
    expect(across.path).toEqual([c('checkout'), c('risk'), c('support')]);
    const none = sliceGraph(graph, {
      ...all,
      conflictsOnly: true,
      from: c('checkout'),
      to: c('ledger'),
    });
    expect(none.path).toBeUndefined();
    expect(none.notice).toMatch(/No path between/);
    expect(refs(none)).toEqual(['checkout', 'ledger']);
    expect(sliceGraph(graph, { ...all, around: c('ghost') }).notice).toMatch(
      /Not in this graph: component:default\/ghost/,
    );
  });

  it('colours teams by size and says how many share the "other" colour', () => {
    const t = teamColors(graph.nodes);
    expect(t.legend[0]).toEqual(expect.objectContaining({ owner: 'group:default/payments-team', count: 3 }));
    expect(t.color('group:default/payments-team')).toBe(t.legend[0].color);
    expect(t.others).toBe(0);
  });
});

describe('ContractsPage (conflict graph)', () => {
  it('lists conflict edges by severity; a click selects the edge in the URL and shows its findings', async () => {
    const api = mockContractsApi({ getGraph: jest.fn(async () => graph) });
    await renderWith(<><ContractsPage /><Probe /></>, { api });
    expect(await screen.findByTestId('graph-stats')).toHaveTextContent(
      '5 entities · 4 edges · 2 with conflicts',
    );
    expect(screen.getByTestId('graph-legend')).toHaveTextContent('payments-team (3)');
    const conflicts = screen.getAllByTestId('conflict-edge');
    expect(conflicts.map(e => e.getAttribute('data-severity')).sort()).toEqual(['error', 'tradeoff']);
    await userEvent.click(conflicts.find(e => e.getAttribute('data-edge-id') === 'e1')!);
    const panel = await screen.findByTestId('graph-selection');
    expect(within(panel).getByText('Latency contract violation')).toBeInTheDocument();
    expect(within(panel).queryByText('Access policy conflict')).not.toBeInTheDocument();
    expect(url()).toBe('?selected=edge:e1');
    await userEvent.click(within(panel).getByRole('button', { name: 'close' }));
    await waitFor(() => expect(screen.queryByTestId('graph-selection')).not.toBeInTheDocument());
    expect(url()).toBe('');
  });

  it('writes filters to the URL', async () => {
    const api = mockContractsApi({ getGraph: jest.fn(async () => graph) });
    await renderWith(<><ContractsPage /><Probe /></>, { api });
    await screen.findByTestId('graph-stats');
    await userEvent.click(screen.getByLabelText('tradeoff'));
    await waitFor(() => expect(screen.getAllByTestId('conflict-edge')).toHaveLength(1));
    expect(url()).toBe('?severity=error,warning,info');
    await userEvent.click(screen.getByLabelText('conflicts only'));
    await waitFor(() =>
      expect(screen.getByTestId('graph-stats')).toHaveTextContent('2 entities · 1 edges · 1 with conflicts'),
    );
    expect(url()).toBe('?severity=error,warning,info&conflicts=only');
  });

  it('opens the view a link describes: neighbourhood, depth and selected node', async () => {
    const api = mockContractsApi({ getGraph: jest.fn(async () => graph) });
    await renderWith(<><ContractsPage /><Probe /></>, {
      api,
      routeEntries: [`/?around=${c('orders')}&depth=1&selected=node:${c('risk')}`],
    });
    expect(await screen.findByTestId('graph-stats')).toHaveTextContent(
      '3 entities · 2 edges · 0 with conflicts',
    );
    const panel = screen.getByTestId('graph-selection');
    expect(within(panel).getByText('Latency contract violation')).toBeInTheDocument();
    expect(within(panel).getByText('Access policy conflict')).toBeInTheDocument();
    expect((screen.getByLabelText('Neighbourhood of') as HTMLInputElement).value).toBe('orders');

    // depth 2 from the picker reaches checkout and support
    await userEvent.click(screen.getByLabelText('Depth'));
    await userEvent.click(await screen.findByRole('option', { name: '2' }));
    await waitFor(() =>
      expect(screen.getByTestId('graph-stats')).toHaveTextContent('5 entities · 4 edges · 2 with conflicts'),
    );
    expect(url()).toContain(`around=${c('orders')}&depth=2`);
    await userEvent.click(screen.getByRole('button', { name: 'Whole graph' }));
    await waitFor(() => expect(url()).toBe(''));
  });

  it('shows the path a link names, and says when there is none', async () => {
    const api = mockContractsApi({ getGraph: jest.fn(async () => graph) });
    const a = await renderWith(<ContractsPage />, {
      api,
      routeEntries: [`/?from=${c('checkout')}&to=${c('ledger')}`],
    });
    expect(await screen.findByTestId('graph-stats')).toHaveTextContent(
      '4 entities · 3 edges · 1 with conflicts · path of 3 hop(s)',
    );
    a.unmount();
    await renderWith(<ContractsPage />, {
      api,
      routeEntries: [`/?from=${c('checkout')}&to=${c('ledger')}&conflicts=only`],
    });
    expect(await screen.findByTestId('graph-notice')).toHaveTextContent(/No path between/);
  });

  it('slices by owner through the backend', async () => {
    const api = mockContractsApi({ getGraph: jest.fn(async () => graph) });
    await renderWith(<><ContractsPage /><Probe /></>, { api });
    await screen.findByTestId('graph-stats');
    await userEvent.type(screen.getByLabelText('Owner'), 'group:default/risk-team{enter}');
    await waitFor(() =>
      expect(api.getGraph).toHaveBeenLastCalledWith(
        expect.objectContaining({ owner: 'group:default/risk-team' }),
      ),
    );
    expect(url()).toBe('?owner=group:default/risk-team');
  });

  it('shows loading, error and empty states', async () => {
    const a = await renderWith(<ContractsPage />, {
      api: mockContractsApi({ getGraph: jest.fn(() => new Promise<never>(() => {})) }),
    });
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
    a.unmount();
    const b = await renderWith(<ContractsPage />, {
      api: mockContractsApi({ getGraph: jest.fn(async () => { throw new Error('graph failed'); }) }),
    });
    expect((await screen.findAllByText(/graph failed/)).length).toBeGreaterThan(0);
    b.unmount();
    await renderWith(<ContractsPage />, { api: mockContractsApi() });
    expect(await screen.findByText(/No entities with contracts/)).toBeInTheDocument();
  });
});
