import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Entity } from '@backstage/catalog-model';
import { parseEntityContract } from '@backstage-contracts/plugin-contracts-common';
import type { ContractsFinding } from '../../api';
import {
  checkoutEntity,
  entityResponse,
  latencyFinding,
  mockContractsApi,
  renderWith,
} from '../../__testUtils__';
import { ConflictsCard } from '../ConflictsCard';
import { ContractsCard } from './ContractsCard';

/** Checkout's contract as `contracts discover` drafted it and a person completed it. */
const draft = `service: checkout
depends_on:
  - service: risk
    operation: scoreTransaction
    latency_budget: { acceptable: p95 < 200ms }
    timeout: 500ms
    retry: 2
    discovered:
      timeout: src/riskClient.ts:14:22
      retry: src/riskClient.ts:30:5
retry_policies:
  - target: risk
    on_timeout: { generates_new_request_id: true }
    discovered:
      on_timeout.generates_new_request_id: src/riskClient.ts:33:27
`;

const discoveredContract = parseEntityContract('component:default/checkout', [
  { file: 'contracts/draft.yaml', text: draft },
]);

const GITHUB = 'https://github.com/acme/shop/tree/main/services/checkout/';

function withSourceLocation(location?: string): Entity {
  return {
    ...checkoutEntity,
    metadata: {
      ...checkoutEntity.metadata,
      annotations: {
        ...checkoutEntity.metadata.annotations,
        ...(location ? { 'backstage.io/source-location': location } : {}),
      },
    },
  };
}

function apiWith(overrides: Parameters<typeof entityResponse>[0]) {
  return mockContractsApi({
    getEntity: jest.fn(async () => entityResponse(overrides)),
  });
}

/** The text a sighted reader sees (without the link's "Opens in a new window" for screen readers). */
function visibleText(element: HTMLElement): string {
  return (element.textContent ?? '').replace(/, Opens in a new window/g, '');
}

/** The line of the card's Requires section that starts with `needs risk`. */
async function riskLine() {
  await screen.findByText('Requires');
  const [line] = screen
    .getAllByRole('listitem')
    .filter(li => li.textContent?.startsWith('needs risk'));
  expect(line).toBeDefined();
  return line;
}

describe('ContractsCard discovered values', () => {
  it('parses the draft without problems', () => {
    expect(discoveredContract.problems).toEqual([]);
  });

  it('marks a discovered timeout with where it was found, linked to the repository', async () => {
    await renderWith(<ContractsCard />, {
      api: apiWith({ contracts: discoveredContract.contract, findings: [] }),
      entity: withSourceLocation(`url:${GITHUB}`),
    });
    const line = await riskLine();
    expect(visibleText(line)).toBe(
      'needs risk.scoreTransaction p95 < 200ms, timeout 500ms discovered src/riskClient.ts:14:22, retry 2 discovered src/riskClient.ts:30:5',
    );
    const marks = within(line).getAllByTestId('discovered-mark');
    expect(marks).toHaveLength(2);
    expect(within(marks[0]).getByText('discovered')).toBeInTheDocument();
    expect(
      within(line).getByRole('link', { name: /^src\/riskClient\.ts:14:22\b/ }),
    ).toHaveAttribute(
      'href',
      'https://github.com/acme/shop/tree/main/services/checkout/src/riskClient.ts#L14',
    );
    expect(
      within(line).getByRole('link', { name: /^src\/riskClient\.ts:30:5\b/ }),
    ).toHaveAttribute(
      'href',
      expect.stringMatching(/\/src\/riskClient\.ts#L30$/),
    );

    // the retry policy's new request id, marked by its nested key
    const policy = screen.getByText(/with a new request id on timeout/)
      .parentElement!;
    expect(visibleText(policy)).toBe(
      'retries risk, with a new request id on timeout discovered src/riskClient.ts:33:27',
    );
    expect(
      screen.getByText(/Values marked discovered were found in code/),
    ).toBeInTheDocument();
  });

  it('shows the location as plain text when the source location is no repository URL', async () => {
    for (const entity of [
      withSourceLocation(),
      withSourceLocation('file:/srv/catalog/checkout/'),
    ]) {
      const { unmount } = await renderWith(<ContractsCard />, {
        api: apiWith({ contracts: discoveredContract.contract, findings: [] }),
        entity,
      });
      const line = await riskLine();
      expect(within(line).getAllByText('discovered')).toHaveLength(2);
      expect(
        within(line).getByText('src/riskClient.ts:14:22'),
      ).toBeInTheDocument();
      expect(
        within(line).queryByRole('link', { name: /riskClient/ }),
      ).not.toBeInTheDocument();
      unmount();
    }
  });

  it('leaves declared values unmarked', async () => {
    await renderWith(<ContractsCard />, {
      api: apiWith({ findings: [] }),
      entity: withSourceLocation(`url:${GITHUB}`),
    });
    const line = await riskLine();
    expect(line).toHaveTextContent(
      'needs risk.scoreTransaction p95 < 200ms, timeout 500ms, no retry',
    );
    expect(screen.queryByText('discovered')).not.toBeInTheDocument();
    expect(
      screen.queryByText(/Values marked discovered/),
    ).not.toBeInTheDocument();
  });
});

const driftFinding: ContractsFinding = {
  id: 'f-drift',
  rule: 'contract-drift',
  severity: 'warning',
  status: 'open',
  consumer: 'component:default/checkout',
  provider: 'component:default/risk',
  subject: 'scoreTransaction (timeout)',
  title: 'Contract drift',
  expected: 'timeout 500ms',
  actual: '5s at src/riskClient.ts:14',
  impact:
    "checkout's contract no longer says what its code does: the checks of its callers and callees use the declared value",
  resolutions: [
    'checkout: change the code to match the contract',
    'checkout: update the contract to what the code does (contracts discover proposes it)',
  ],
  evidence: 'e-drift',
  location: {
    entity: 'component:default/checkout',
    file: 'contracts/dependencies.yaml',
    line: 5,
    column: 5,
    path: 'depends_on[0].timeout',
  },
  message:
    'WARNING: Contract drift\n  declared timeout 500ms (annotation:contracts.io/spec:5); code uses 5s at src/riskClient.ts:14\n    src/riskClient.ts:14:22: AbortSignal.timeout(5000)',
  canAccept: true,
};

describe('ContractsCard drift findings', () => {
  it('shows a drift finding: what is declared, what the code does and where', async () => {
    await renderWith(<ContractsCard />, {
      api: apiWith({ findings: [latencyFinding, driftFinding] }),
      entity: withSourceLocation(`url:${GITHUB}`),
    });
    expect(await screen.findByText('Drift from code (1)')).toBeInTheDocument();
    const [item] = screen.getAllByTestId('drift-finding');
    expect(item).toHaveTextContent('warning');
    expect(item).toHaveTextContent('open');
    expect(item).toHaveTextContent(
      'Contract drift: scoreTransaction (timeout) on risk',
    );
    expect(visibleText(item)).toContain(
      'declared timeout 500ms (contracts/dependencies.yaml:5); in the code, 5s at src/riskClient.ts:14',
    );
    expect(
      within(item).getByRole('link', { name: /^src\/riskClient\.ts:14\b/ }),
    ).toHaveAttribute(
      'href',
      'https://github.com/acme/shop/tree/main/services/checkout/src/riskClient.ts#L14',
    );
    // the other findings stay on the Conflicts card
    expect(
      screen.queryByText('Latency contract violation'),
    ).not.toBeInTheDocument();
  });

  it('links the code through the managed-by-location (the catalog-info.yaml) when there is no source location', async () => {
    const entity: Entity = {
      ...checkoutEntity,
      metadata: {
        ...checkoutEntity.metadata,
        annotations: {
          ...checkoutEntity.metadata.annotations,
          'backstage.io/managed-by-location':
            'url:https://github.com/acme/shop/blob/main/services/checkout/catalog-info.yaml',
        },
      },
    };
    // the example catalog's drift: checkout calls payment, which its contract leaves out
    const undeclared: ContractsFinding = {
      ...driftFinding,
      id: 'f-undeclared',
      severity: 'info',
      provider: 'component:default/payment',
      subject: 'payment (undeclared call)',
      expected: 'no dependency on payment',
      actual: 'calls payment at src/paymentClient.ts:32',
      location: undefined,
    };
    await renderWith(<ContractsCard />, {
      api: apiWith({
        contracts: discoveredContract.contract,
        findings: [driftFinding, undeclared],
      }),
      entity,
    });
    const [item, call] = await screen.findAllByTestId('drift-finding');
    expect(
      within(item).getByRole('link', { name: /^src\/riskClient\.ts:14\b/ }),
    ).toHaveAttribute(
      'href',
      'https://github.com/acme/shop/tree/main/services/checkout/src/riskClient.ts#L14',
    );
    expect(visibleText(call)).toContain(
      'declared no dependency on payment; in the code, calls payment at src/paymentClient.ts:32',
    );
    expect(
      within(call).getByRole('link', { name: /^src\/paymentClient\.ts:32\b/ }),
    ).toHaveAttribute(
      'href',
      'https://github.com/acme/shop/tree/main/services/checkout/src/paymentClient.ts#L32',
    );
    const line = await riskLine();
    expect(
      within(line).getByRole('link', { name: /^src\/riskClient\.ts:30:5\b/ }),
    ).toHaveAttribute(
      'href',
      'https://github.com/acme/shop/tree/main/services/checkout/src/riskClient.ts#L30',
    );
  });

  it('leaves the code unlinked when the catalog-info.yaml is a file on the portal’s disk', async () => {
    const entity: Entity = {
      ...checkoutEntity,
      metadata: {
        ...checkoutEntity.metadata,
        annotations: {
          ...checkoutEntity.metadata.annotations,
          'backstage.io/managed-by-location':
            'file:/srv/catalog/checkout/catalog-info.yaml',
        },
      },
    };
    await renderWith(<ContractsCard />, {
      api: apiWith({ findings: [driftFinding] }),
      entity,
    });
    const [item] = await screen.findAllByTestId('drift-finding');
    expect(visibleText(item)).toContain(
      'in the code, 5s at src/riskClient.ts:14',
    );
    expect(within(item).queryByRole('link', { name: /riskClient/ })).toBeNull();
  });

  it('shows no drift section without drift findings, nor for drift in a caller’s code', async () => {
    await renderWith(<ContractsCard />, {
      api: apiWith({
        findings: [
          latencyFinding,
          {
            ...driftFinding,
            id: 'f-caller-drift',
            consumer: 'component:default/support',
            provider: 'component:default/checkout',
          },
        ],
      }),
      entity: checkoutEntity,
    });
    await screen.findByText('Requires');
    expect(screen.queryByText(/Drift from code/)).not.toBeInTheDocument();
  });

  it("renders on the Conflicts card, both values the consumer's own (its contract, its code)", async () => {
    await renderWith(<ConflictsCard />, {
      api: apiWith({ findings: [latencyFinding, driftFinding] }),
      entity: checkoutEntity,
    });
    const [title] = await screen.findAllByText('Contract drift', {
      selector: 'strong',
    });
    await userEvent.click(title);
    expect(await screen.findByText('timeout 500ms')).toBeInTheDocument();
    expect(screen.getByText('5s at src/riskClient.ts:14')).toBeInTheDocument();
    const sentence = screen.getByText('timeout 500ms').closest('p')!;
    expect(sentence.textContent).toMatch(
      /declares timeout 500ms; its code uses 5s/,
    );
    expect(sentence.textContent).not.toMatch(/provides/);
    expect(
      screen.getByText(
        /src\/riskClient\.ts:14:22: AbortSignal\.timeout\(5000\)/,
      ),
    ).toBeInTheDocument();
  });
});
