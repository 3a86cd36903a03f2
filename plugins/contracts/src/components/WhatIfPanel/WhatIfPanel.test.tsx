import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  accessFinding,
  checkoutEntity,
  entityResponse,
  latencyFinding,
  warningFinding,
  mockContractsApi,
  renderWith,
} from '../../__testUtils__';
import { WhatIfPanel } from './WhatIfPanel';

describe('WhatIfPanel', () => {
  it('starts from the inline contract and lists located problems as you type', async () => {
    await renderWith(<WhatIfPanel currentFindings={[latencyFinding]} />, {
      entity: checkoutEntity,
    });
    const editor = screen.getByLabelText(
      'Contract YAML',
    ) as HTMLTextAreaElement;
    expect(editor.value).toContain('scoreTransaction');
    expect(
      screen.getByText('The contract parses without problems.'),
    ).toBeInTheDocument();
    fireEvent.change(editor, {
      target: {
        value: editor.value.replace('timeout: 500ms', 'timeout: soon'),
      },
    });
    const problem = await screen.findByText(/^6:\d+ /);
    expect(problem.textContent).toMatch(/soon|duration/);
  });

  it('checks the edited contract and shows new and resolved findings', async () => {
    const api = mockContractsApi({
      check: jest.fn(async () => ({ findings: [accessFinding], problems: [] })),
    });
    await renderWith(<WhatIfPanel currentFindings={[latencyFinding]} />, {
      api,
      entity: checkoutEntity,
    });
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    await waitFor(() => expect(api.check).toHaveBeenCalled());
    expect(api.check.mock.calls[0][0]).toBe('component:default/checkout');
    expect(api.check.mock.calls[0][1][0].text).toContain('scoreTransaction');
    expect(
      await screen.findByText(/1 new · 1 would be resolved/),
    ).toBeInTheDocument();
    expect(screen.getByText('Access policy conflict')).toBeInTheDocument();
    expect(screen.getByText('Latency contract violation')).toBeInTheDocument();
  });

  it('shows a failed check', async () => {
    const api = mockContractsApi({
      check: jest.fn(async () => {
        throw new Error('check failed');
      }),
    });
    await renderWith(<WhatIfPanel />, { api, entity: checkoutEntity });
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    expect((await screen.findAllByText(/check failed/)).length).toBeGreaterThan(
      0,
    );
  });
});

describe('WhatIfPanel on a contract kept in files', () => {
  const refEntity = {
    ...checkoutEntity,
    metadata: {
      ...checkoutEntity.metadata,
      annotations: { 'contracts.io/ref': 'dir:./contracts' },
    },
  };

  it("starts from the entity's real contract, not a template, and says where it was read", async () => {
    await renderWith(<WhatIfPanel />, { entity: refEntity });
    const editor = (await screen.findByLabelText('Contract YAML')) as HTMLTextAreaElement;
    await waitFor(() =>
      expect(editor.value).toContain('acceptable: p95 < 200ms'),
    );
    expect(editor.value).toMatch(/^service: checkout\ndepends_on:\n {2}- service: risk\n/);
    expect(editor.value).not.toContain('#');
    expect(screen.getByText(/as the portal read it/)).toBeInTheDocument();
    expect(screen.getByText('The contract parses without problems.')).toBeInTheDocument();
  });

  it('offers a template that depends on no one in particular when there is no contract', async () => {
    const api = mockContractsApi({
      getEntity: jest.fn(async () => entityResponse({ contracts: null, findings: [] })),
    });
    await renderWith(<WhatIfPanel />, { api, entity: refEntity });
    await screen.findByText(/This entity has no contract yet: start/);
    const editor = screen.getByLabelText('Contract YAML') as HTMLTextAreaElement;
    expect(editor.value).toContain('service: checkout');
    expect(editor.value).not.toMatch(/service: checkout[\s\S]*service: checkout/);
  });

  it("shows the check as a diff against today's findings: added, resolved, changed", async () => {
    const changed = { ...latencyFinding, evidence: 'e2', actual: 'p95 = 150ms (current)' };
    const api = mockContractsApi({
      getEntity: jest.fn(async () =>
        entityResponse({ findings: [latencyFinding, warningFinding] }),
      ),
      check: jest.fn(async () => ({ findings: [changed, accessFinding], problems: [] })),
    });
    await renderWith(<WhatIfPanel />, { api, entity: refEntity });
    const editor = (await screen.findByLabelText('Contract YAML')) as HTMLTextAreaElement;
    await waitFor(() => expect(editor.value).toContain('risk'));
    fireEvent.change(editor, {
      target: { value: editor.value.replace('p95 < 200ms', 'p95 < 100ms') },
    });
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    expect(api.check.mock.calls[0][1][0].text).toContain('p95 < 100ms');
    await screen.findByText(/1 new · 1 would be resolved · 1 changed · 0 unchanged/);
    expect(
      within(screen.getByTestId('what-if-added')).getByText('Access policy conflict'),
    ).toBeInTheDocument();
    expect(
      within(screen.getByTestId('what-if-removed')).getByText(warningFinding.title),
    ).toBeInTheDocument();
    expect(
      within(screen.getByTestId('what-if-changed')).getByText('Latency contract violation'),
    ).toBeInTheDocument();
    // back to today's contract
    await userEvent.click(screen.getByRole('button', { name: "Start again from today's contract" }));
    expect(editor.value).toContain('p95 < 200ms');
    expect(screen.queryByTestId('what-if-result')).toBeNull();
  });
});

describe('WhatIfPanel diff styles', () => {
  it('strikes through the title line of a finding the change would resolve', async () => {
    const api = mockContractsApi({
      check: jest.fn(async () => ({ findings: [], problems: [] })),
    });
    await renderWith(<WhatIfPanel currentFindings={[latencyFinding]} />, {
      api,
      entity: checkoutEntity,
    });
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    const removed = await screen.findByTestId('what-if-removed');
    const title = within(removed).getByText('Latency contract violation');
    expect(getComputedStyle(title.closest('p')!).textDecoration).toContain(
      'line-through',
    );
  });
});
