/*
 * Issue 18: runtime verification in the real portal. A real Prometheus (Debian's package) scrapes
 * a service serving risk's /score at p95 = 4 s (test/support/prometheus-fixture.mjs); the portal
 * runs with contracts.runtime.prometheus pointing at it. Risk's Contracts card shows the observed
 * value beside the declared 3200ms with its sparkline, the promise-drift finding, and checkout's
 * latency-budget finding its evidence "declared 3200ms, observed 4000ms". Screenshots in the
 * e2e artifacts (runtime-risk.png, runtime-checkout.png).
 */
import type { Browser } from 'playwright-core';
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import {
  describeWithPrometheus,
  type RunningFixture,
  startPrometheusFixture,
} from '../../plugins/contracts-backend/src/runtime/__testUtils__/prometheusFixture';
import { launchBrowser, openSignedIn, screenshot } from '../support/browser';
import { Portal, startPortal } from '../support/portal';

jest.setTimeout(240_000);

describeWithPrometheus('runtime verification in the portal', () => {
  let fixture: RunningFixture;
  let portal: Portal;
  let browser: Browser;

  beforeAll(async () => {
    fixture = await startPrometheusFixture({
      jobs: {
        risk: { routes: { '/score': 4.0 } },
        checkout: { routes: { '/checkout': 0.25 } },
        orders: { gauges: { pg_replication_lag_seconds: 42 } },
      },
    });
    portal = await startPortal({
      env: {
        APP_CONFIG_contracts_runtime_prometheus_url: fixture.prometheus,
        APP_CONFIG_contracts_runtime_prometheus_interval: '3s',
        APP_CONFIG_contracts_runtime_prometheus_step: '5s',
      },
    });
    browser = await launchBrowser();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
    await fixture?.stop();
  });

  it("shows risk's observed p95 beside the declared one, the drift, and the evidence on checkout's conflict", async () => {
    const page = await openSignedIn(browser, '/catalog/default/component/risk');
    try {
      await page
        .getByText(/observed p95 4000ms over 7 d/)
        .first()
        .waitFor({ timeout: 120_000 });
      await page
        .getByText(/latency now p50=2800ms, p95=3200ms/)
        .first()
        .waitFor();
      // the sparkline of the window
      expect(
        await page
          .locator('[data-testid="observed-value"][data-status="ok"] svg')
          .count(),
      ).toBeGreaterThan(0);
      await page
        .getByText('Promise drift')
        .first()
        .waitFor({ timeout: 60_000 });
    } finally {
      await screenshot(page, 'runtime-risk').catch(() => undefined);
      await page.close();
    }

    const checkout = await openSignedIn(
      browser,
      '/catalog/default/component/checkout',
    );
    try {
      // exact: the Conflicts card's title, not the Overview summary's line that contains it
      const conflict = checkout
        .getByText('Latency contract violation', { exact: true })
        .first();
      await conflict.waitFor({ timeout: 90_000 });
      await conflict.click();
      await checkout
        .getByText(
          /risk observed: p95 = 4000ms over 7 d \(Prometheus; declared 3200ms\)/,
        )
        .first()
        .waitFor({ timeout: 60_000 });
    } finally {
      await screenshot(checkout, 'runtime-checkout').catch(() => undefined);
      await checkout.close();
    }
  });
});
