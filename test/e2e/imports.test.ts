/*
 * Issue 21 in the real portal (`npm start`), in headless Chromium: the portal's catalog reads
 * the acme-style scenario beside the example catalog (test/scenarios/acme-imports: providers
 * with only an ODCS data contract, Pyrra SLOs and an OpenAPI definition, a recommender with no
 * promise at all, two consumers' needs). The recommender's page lists the needs it has not
 * answered, the scoring service's Contracts tab marks its imported SLO targets and the
 * storefront's conflicts against them, the ML team's view rolls the needs up.
 * Screenshots: test/artifacts/imports-*.png.
 */
import type { Browser, Page } from 'playwright-core';
import { BASE_URL, guestToken, Portal, startPortal } from '../support/portal';
import { launchBrowser, openSignedIn, screenshot } from '../support/browser';

jest.setTimeout(240_000);

/** The example catalog and the scenario; paths relative to packages/backend. */
const LOCATIONS = JSON.stringify([
  { type: 'file', target: '../../examples/all.yaml' },
  { type: 'file', target: '../../test/scenarios/acme-imports/all.yaml' },
]);

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${BASE_URL}/api/contracts${path}`, {
    headers: { Authorization: `Bearer ${await guestToken()}` },
  });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as T;
}

describe('imported promises and unanswered needs in the portal', () => {
  let portal: Portal;
  let browser: Browser;

  beforeAll(async () => {
    portal = await startPortal({
      env: { APP_CONFIG_catalog_locations: LOCATIONS },
    });
    browser = await launchBrowser();
    // the scenario's entities are ingested after the examples: wait for its needs
    const end = Date.now() + 150_000;
    for (;;) {
      const page = await api<{ items: Array<{ provider: string }> }>(
        '/unanswered',
      ).catch(() => ({ items: [] }));
      if (page.items.some(g => g.provider === 'component:default/recommender'))
        break;
      if (Date.now() > end)
        throw new Error('the scenario never reached the graph');
      await new Promise(r => setTimeout(r, 1000));
    }
  }, 420_000);

  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
  });

  async function shot(page: Page, name: string) {
    await screenshot(page, name).catch(() => undefined);
  }

  it('serves the findings the imported promises give', async () => {
    const { items } = await api<{
      items: Array<{ rule: string; consumer: string; actual: string }>;
    }>('/findings?entityRef=component:default/storefront&limit=100');
    const byRule = (rule: string) =>
      items.filter(f => f.rule === rule).map(f => f.actual);
    expect(byRule('latency-budget')).toEqual(['p95 = 400ms (target)']);
    expect(byRule('data-freshness')).toEqual(['5m']);
    expect(byRule('unresolved-reference')).toHaveLength(2);
    expect(byRule('unanswered-need')).toEqual([
      'recommender has no contract: it promises nothing',
    ]);
  });

  it("lists the recommender's unanswered needs on its page", async () => {
    const page = await openSignedIn(
      browser,
      '/catalog/default/component/recommender',
    );
    try {
      await page
        .getByText(
          '2 consumers depend on recommend latency; you promise nothing',
        )
        .waitFor({ timeout: 90_000 });
      await page.getByText('Needs you have not answered').waitFor();
      await page.getByText(/needs p95 < 100ms/).waitFor();
      await page.getByText(/needs p99 < 300ms/).waitFor();
      await shot(page, 'imports-recommender-unanswered');
    } catch (error) {
      await shot(page, 'imports-recommender-failure');
      throw error;
    } finally {
      await page.close();
    }
  });

  it("marks scoring's imported SLO targets and shows the conflicts they give", async () => {
    const page = await openSignedIn(
      browser,
      '/catalog/default/component/scoring/contracts',
    );
    try {
      await page
        .getByText('imported · Pyrra SLO')
        .first()
        .waitFor({ timeout: 90_000 });
      await page
        .getByText(/slo\/latency-p95\.yaml:\d+/)
        .first()
        .waitFor();
      await page
        .getByText(/target p95=400ms, p99=1200ms/)
        .first()
        .waitFor();
      await page.getByText('Latency contract violation').first().waitFor();
      await shot(page, 'imports-scoring-contracts');
    } catch (error) {
      await shot(page, 'imports-scoring-failure');
      throw error;
    } finally {
      await page.close();
    }
  });

  it('rolls the needs up on the owning team’s view, and shows the ledger’s ODCS values', async () => {
    const team = await openSignedIn(
      browser,
      '/catalog/default/group/ml-team/contracts',
    );
    try {
      await team
        .getByText('Needs the team has not answered')
        .waitFor({ timeout: 90_000 });
      await team
        .getByText(
          '2 consumers depend on recommend latency; you promise nothing',
        )
        .waitFor();
      await shot(team, 'imports-ml-team');
    } finally {
      await team.close();
    }
    const ledger = await openSignedIn(
      browser,
      '/catalog/default/component/ledger/contracts',
    );
    try {
      await ledger
        .getByText('imported · ODCS')
        .first()
        .waitFor({ timeout: 90_000 });
      await ledger
        .getByText(/freshness 5m max · PII: account_holder_email/)
        .waitFor();
      await ledger
        .getByText(
          '1 consumer depends on dataset ledger_balances; your contract does not declare it',
        )
        .waitFor();
      await shot(ledger, 'imports-ledger-contracts');
    } finally {
      await ledger.close();
    }
  });
});
