/*
 * Issue 16, scorecards, in the real portal (`npm start`'s backend with tech-insights, its JSON
 * rules engine and the contracts fact retriever module; the built app), in headless Chromium:
 * the contracts checks run by tech-insights show on the entity page — risk fails "No blocking
 * contract conflicts", payment passes every check.
 */
import type { Browser, Page } from 'playwright-core';
import { BASE_URL, guestToken, Portal, startPortal } from '../support/portal';
import { launchBrowser, openSignedIn, screenshot } from '../support/browser';

jest.setTimeout(600_000);

/** The latest contracts facts tech-insights holds for an entity, if any. */
async function latestFacts(entityRef: string) {
  const token = await guestToken();
  const query = new URLSearchParams({
    entity: entityRef,
    'ids[]': 'contractsFactRetriever',
  });
  const res = await fetch(
    `${BASE_URL}/api/tech-insights/facts/latest?${query}`,
    {
      headers: { Authorization: `Bearer ${token}` },
    },
  );
  if (!res.ok) return undefined;
  const body = await res.json();
  return body.contractsFactRetriever?.facts as
    | Record<string, number | boolean>
    | undefined;
}

async function checkRow(page: Page, id: string) {
  const row = page.getByTestId(`scorecard-check-${id}`);
  await row.waitFor({ timeout: 60_000 });
  return {
    result: await row.getAttribute('data-result'),
    text: await row.innerText(),
  };
}

describe('scorecards in the portal', () => {
  let portal: Portal | undefined;
  let browser: Browser | undefined;

  afterEach(async () => {
    await browser?.close();
    await portal?.stop();
  });

  it('shows the tech-insights contracts checks on the entity page', async () => {
    portal = await startPortal();
    // the retriever runs each minute (app-config.yaml) once the contracts graph is computed
    const end = Date.now() + 240_000;
    let facts: Record<string, number | boolean> | undefined;
    while (!facts && Date.now() < end) {
      facts = await latestFacts('component:default/risk');
      if (!facts) await new Promise(r => setTimeout(r, 3000));
    }
    expect(facts).toEqual(
      expect.objectContaining({ hasContracts: true, openErrors: 3 }),
    );

    browser = await launchBrowser();
    const risk = await openSignedIn(browser, '/catalog/default/component/risk');
    await risk.getByText('Contracts scorecard').first().waitFor({
      timeout: 120_000,
    });
    expect(await checkRow(risk, 'contractsNoBlockingConflicts')).toEqual({
      result: 'failed',
      text: expect.stringContaining('No blocking contract conflicts: failed'),
    });
    expect(await checkRow(risk, 'contractsDecisionsReviewed')).toEqual(
      expect.objectContaining({ result: 'passed' }),
    );
    await risk
      .getByTestId('scorecard-check-contractsNoBlockingConflicts')
      .scrollIntoViewIfNeeded();
    await screenshot(risk, 'scorecards-risk');

    const payment = await openSignedIn(
      browser,
      '/catalog/default/component/payment',
    );
    for (const id of [
      'contractsNoBlockingConflicts',
      'contractsTradeoffsDecidedWithin14Days',
      'contractsDecisionsReviewed',
    ]) {
      expect(await checkRow(payment, id)).toEqual(
        expect.objectContaining({ result: 'passed' }),
      );
    }
    await screenshot(payment, 'scorecards-payment');
  });
});
