/*
 * Issue 7: the contracts frontend in the real portal (`npm start`), in headless Chromium.
 * Checkout's page shows the latency conflict, and refuses the guest (who owns neither side) an
 * accept on it; the risk team's page its conflicts; the graph page renders and an edge click
 * shows its findings. Recording and signing decisions (every decider group signs before a
 * finding is accepted) is in decisions.test.ts. The 1,000-node graph's render
 * and pan/zoom figures are a benchmark, not a test: `yarn bench:graph` (test/bench).
 */
import type { Browser, Page } from 'playwright-core';
import { Portal, startPortal } from '../support/portal';
import { launchBrowser, openSignedIn, screenshot } from '../support/browser';

jest.setTimeout(180_000);

describe('contracts in the portal', () => {
  let portal: Portal;
  let browser: Browser;

  beforeAll(async () => {
    portal = await startPortal();
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
  });

  async function shot(page: Page, name: string) {
    await screenshot(page, name).catch(() => undefined);
  }

  /**
   * Clicks the opened finding's "Record decision" and returns the dialog. A click that lands
   * while the finding is still opening (its panel animates) can be lost: it is given again.
   */
  async function openDecisionDialog(page: Page) {
    const dialog = page.getByRole('dialog');
    for (let attempt = 1; ; attempt++) {
      await page
        .getByRole('button', { name: 'Record decision' })
        .first()
        .click();
      const shown = await dialog
        .waitFor({ timeout: 10_000 })
        .then(() => true)
        .catch(() => false);
      if (shown) return dialog;
      if (attempt === 3)
        throw new Error('the Record decision dialog did not open');
    }
  }

  it("shows the latency conflict on checkout's page", async () => {
    const page = await openSignedIn(
      browser,
      '/catalog/default/component/checkout',
    );
    try {
      // exact: the Conflicts card's title, not the Overview summary's line that contains it
      const conflict = page
        .getByText('Latency contract violation', { exact: true })
        .first();
      await conflict.waitFor({ timeout: 90_000 });
      await conflict.click();
      await page
        .getByText(/p95 = 3200ms/)
        .first()
        .waitFor();
      await page
        .getByText(/needs .*risk.*scoreTransaction/)
        .first()
        .waitFor();
      // the guest (support-team) owns neither checkout nor risk: the portal refuses the accept
      await page
        .getByText('Only its deciders or owners can accept this finding')
        .first()
        .waitFor();
      const dialog = await openDecisionDialog(page);
      await dialog
        .getByText(/You may not record a decision on this finding/)
        .waitFor();
      expect(
        await dialog
          .getByRole('button', { name: 'Record decision' })
          .isDisabled(),
      ).toBe(true);
      await shot(page, 'contracts-checkout-refused');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    } finally {
      await shot(page, 'contracts-checkout');
    }
    await page.goto(
      page
        .url()
        .replace(/\/$/, '')
        .replace(/\/contracts$/, '') + '/contracts',
    );
    await page
      .getByText('Neighbourhood in the conflict graph')
      .waitFor({ timeout: 60_000 });
    await page.getByText('What if…').waitFor();
    // The contract is read whole: its longest line (checkout's call to risk, with budget,
    // timeout, retry and fallback) wraps in the half-width card instead of being cut.
    const needs = page
      .getByText(/needs .*risk.*scoreTransaction.*fallback/)
      .first();
    await needs.waitFor();
    const fits = await needs.evaluate(el => {
      const box = el.closest('li')!.getBoundingClientRect();
      return (
        el.scrollWidth <= el.clientWidth + 1 &&
        el.getBoundingClientRect().right <= box.right + 1
      );
    });
    expect(fits).toBe(true);
    await shot(page, 'contracts-checkout-tab');
    await page.close();
  });

  it("shows the drift checkout's committed discover report gives, with where in the code", async () => {
    // examples/checkout/contracts/discovered.json: checkout's code calls payment, which its
    // contract leaves out; the catalog module attaches the report, the backend its facts
    const page = await openSignedIn(
      browser,
      '/catalog/default/component/checkout',
    );
    try {
      await page
        .getByText('Drift from code (1)')
        .first()
        .waitFor({ timeout: 90_000 });
      const drift = page.getByTestId('drift-finding');
      expect(await drift.count()).toBe(1);
      await drift
        .getByText(
          /declared no dependency on payment; in the code, calls payment at src\/paymentClient\.ts:32/,
        )
        .waitFor();
      await drift.getByText(/payment \(undeclared call\)/).waitFor();
      // the example catalog is read from files: no repository URL to link the code to
      expect(
        await drift.getByRole('link', { name: /paymentClient/ }).count(),
      ).toBe(0);
      await drift.scrollIntoViewIfNeeded();
    } finally {
      await shot(page, 'contracts-checkout-drift');
    }
    await page.close();
  });

  it("shows the risk team's conflicts on its page", async () => {
    const page = await openSignedIn(
      browser,
      '/catalog/default/group/risk-team',
    );
    try {
      await page
        .getByText('Contract conflicts')
        .first()
        .waitFor({ timeout: 90_000 });
      await page.getByText('By counterpart team').waitFor({ timeout: 60_000 });
      await page.getByText('Latency contract violation').first().waitFor();
    } finally {
      await shot(page, 'contracts-risk-team');
    }
    await page.close();
  });

  it('opens the conflict graph page', async () => {
    const page = await openSignedIn(browser, '/contracts');
    try {
      await page
        .getByTestId('contracts-graph-canvas')
        .waitFor({ timeout: 90_000 });
      // checkout → risk in the list of conflict edges under the drawing (a collapsed accordion):
      // wait for it to be attached and dispatch the click (test/e2e/graph.test.ts clicks the
      // drawn edge itself)
      const edge = page.locator(
        '[data-testid="conflict-edge"][data-from="component:default/checkout"][data-to="component:default/risk"]',
      );
      await edge.first().waitFor({ state: 'attached' });
      await edge.first().dispatchEvent('click');
      const selection = page.getByTestId('graph-selection');
      await selection.waitFor();
      await selection.getByText('Latency contract violation').first().waitFor();
    } finally {
      await shot(page, 'contracts-graph');
    }
    await page.close();
  });
});
