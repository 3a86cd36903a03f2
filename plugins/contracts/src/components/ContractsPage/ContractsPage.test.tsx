import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  accessFinding,
  latencyFinding,
  mockContractsApi,
  renderWith,
} from '../../__testUtils__';
import type { ContractsGraph } from '../../api';
import { layoutGraph } from '../ContractsGraph';
import { ContractsPage } from './ContractsPage';

const graph: ContractsGraph = {
  nodes: [
    { ref: 'component:default/checkout', kind: 'Component', name: 'checkout', hasContract: true },
    { ref: 'component:default/risk', kind: 'Component', name: 'risk', hasContract: true },
    { ref: 'component:default/support', kind: 'Component', name: 'support', hasContract: true },
    { ref: 'component:default/orders', kind: 'Component', name: 'orders', hasContract: false },
  ],
  edges: [
    { id: 'e1', from: 'component:default/checkout', to: 'component:default/risk', kind: 'call', subject: 'scoreTransaction', findings: ['f-latency'] },
    { id: 'e2', from: 'component:default/support', to: 'component:default/risk', kind: 'data-need', subject: 'fraud_signal_breakdown', findings: ['f-access'] },
    { id: 'e3', from: 'component:default/risk', to: 'component:default/orders', kind: 'dataset', subject: 'purchases', findings: [] },
  ],
  findings: [latencyFinding, accessFinding],
};

describe('ContractsPage (conflict graph)', () => {
  it('draws the graph with conflict edges coloured by severity; an edge click shows its findings', async () => {
    const api = mockContractsApi({ getGraph: jest.fn(async () => graph) });
    await renderWith(<ContractsPage />, { api });
    expect(await screen.findAllByTestId('graph-node')).toHaveLength(4);
    const conflicts = screen.getAllByTestId('conflict-edge');
    expect(conflicts.map(e => e.getAttribute('data-severity')).sort()).toEqual(['error', 'tradeoff']);
    expect(screen.getByTestId('graph-stats')).toHaveTextContent('4 entities · 3 edges · 2 with conflicts');

    const hit = conflicts.find(
      e =>
        e.getAttribute('data-from') === 'component:default/checkout' &&
        e.getAttribute('data-to') === 'component:default/risk',
    )!;
    expect(hit.getAttribute('data-severity')).toBe('error');
    fireEvent.click(hit);
    const panel = await screen.findByTestId('graph-selection');
    expect(within(panel).getByText('Latency contract violation')).toBeInTheDocument();
    expect(within(panel).queryByText('Access policy conflict')).not.toBeInTheDocument();

    // edges are drawn as merged paths: one for the plain ones, one per severity
    expect(screen.getAllByTestId('edges')).toHaveLength(1);
    expect(
      screen.getAllByTestId('conflict-edges').map(e => e.getAttribute('data-severity')).sort(),
    ).toEqual(['error', 'tradeoff']);

    // a node click shows the node's findings
    fireEvent.click(screen.getAllByTestId('graph-node')[0].querySelector('rect')!);
    await waitFor(() =>
      expect(within(screen.getByTestId('graph-selection')).getByText('Latency contract violation')).toBeInTheDocument(),
    );
  });

  it('filters by severity and pans/zooms by transform only', async () => {
    const api = mockContractsApi({ getGraph: jest.fn(async () => graph) });
    await renderWith(<ContractsPage />, { api });
    await screen.findAllByTestId('graph-node');
    await userEvent.click(screen.getByLabelText('tradeoff'));
    await waitFor(() => expect(screen.getAllByTestId('conflict-edge')).toHaveLength(1));
    await userEvent.click(screen.getByLabelText('conflicts only'));
    await waitFor(() => expect(screen.getAllByTestId('graph-node')).toHaveLength(2));

    // a CSS transform on the layer around the SVG: no React re-render, no SVG re-paint
    const viewport = screen.getByTestId('graph-viewport');
    await waitFor(() => expect(viewport.style.transform).toMatch(/scale/));
    const before = viewport.style.transform;
    const nodes = screen.getAllByTestId('graph-node');
    await userEvent.click(screen.getByRole('button', { name: 'zoom in' }));
    await waitFor(() => expect(viewport.style.transform).not.toEqual(before));
    expect(screen.getAllByTestId('graph-node')).toEqual(nodes);
  });

  it('slices by owner', async () => {
    const api = mockContractsApi({ getGraph: jest.fn(async () => graph) });
    await renderWith(<ContractsPage />, { api });
    await screen.findAllByTestId('graph-node');
    await userEvent.type(screen.getByLabelText('Owner'), 'group:default/risk-team{enter}');
    await waitFor(() =>
      expect(api.getGraph).toHaveBeenLastCalledWith(
        expect.objectContaining({ owner: 'group:default/risk-team' }),
      ),
    );
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

describe('layoutGraph', () => {
  it('lays out 1,000 nodes with cycles quickly, every node placed', () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => ({ ref: `component:default/s${i}` }));
    const edges = Array.from({ length: 2000 }, (_, i) => ({
      from: nodes[(i * 7) % 1000].ref,
      to: nodes[(i * 13 + 1) % 1000].ref,
    }));
    const start = Date.now();
    const layout = layoutGraph({ nodes, edges });
    expect(Date.now() - start).toBeLessThan(1000);
    expect(layout.positions.size).toBe(1000);
    const seen = new Set([...layout.positions.values()].map(p => `${p.x},${p.y}`));
    expect(seen.size).toBe(1000);
  });
});
