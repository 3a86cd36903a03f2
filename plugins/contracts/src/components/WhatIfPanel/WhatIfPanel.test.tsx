import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  accessFinding,
  checkoutEntity,
  latencyFinding,
  mockContractsApi,
  renderWith,
} from '../../__testUtils__';
import { WhatIfPanel } from './WhatIfPanel';

describe('WhatIfPanel', () => {
  it('starts from the inline contract and lists located problems as you type', async () => {
    await renderWith(<WhatIfPanel currentFindings={[latencyFinding]} />, { entity: checkoutEntity });
    const editor = screen.getByLabelText('Contract YAML') as HTMLTextAreaElement;
    expect(editor.value).toContain('scoreTransaction');
    expect(screen.getByText('The contract parses without problems.')).toBeInTheDocument();
    fireEvent.change(editor, {
      target: { value: editor.value.replace('timeout: 500ms', 'timeout: soon') },
    });
    const problem = await screen.findByText(/^6:\d+ /);
    expect(problem.textContent).toMatch(/soon|duration/);
  });

  it('checks the edited contract and shows new and resolved findings', async () => {
    const api = mockContractsApi({
      check: jest.fn(async () => ({ findings: [accessFinding], problems: [] })),
    });
    await renderWith(<WhatIfPanel currentFindings={[latencyFinding]} />, { api, entity: checkoutEntity });
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    await waitFor(() => expect(api.check).toHaveBeenCalled());
    expect(api.check.mock.calls[0][0]).toBe('component:default/checkout');
    expect(api.check.mock.calls[0][1][0].text).toContain('scoreTransaction');
    expect(await screen.findByText(/1 new · 1 would be resolved/)).toBeInTheDocument();
    expect(screen.getByText('Access policy conflict')).toBeInTheDocument();
    expect(screen.getByText('Latency contract violation')).toBeInTheDocument();
  });

  it('shows a failed check', async () => {
    const api = mockContractsApi({ check: jest.fn(async () => { throw new Error('check failed'); }) });
    await renderWith(<WhatIfPanel />, { api, entity: checkoutEntity });
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    expect((await screen.findAllByText(/check failed/)).length).toBeGreaterThan(0);
  });
});
