/*
 * Issue 17: the pictures on an entity's pages, in the real portal and headless Chromium at
 * 1280 px: checkout's open error tops its Overview (the conflict summary card); its Contracts
 * tab draws the latency waterfall (risk's 3200 ms against checkout's 200 ms budget, the 500 ms
 * timeout, the second attempt), in the light and the dark theme; risk's tab the freshness of
 * the orders replica against its < 10 s need; What if… starts from risk's real contract and
 * shows what a faster risk would resolve. Screenshots land in test/artifacts/.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { Portal, startPortal } from '../support/portal';
import { launchBrowser, openSignedIn, screenshot } from '../support/browser';
import path from 'node:path';
import fs from 'node:fs';
import { ARTIFACTS } from '../support/portal';

jest.setTimeout(180_000);

const WIDTH = 1280;

describe('waterfalls, the conflict summary and what-if in the portal', () => {
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

  async function open(pathname: string): Promise<Page> {
    const page = await openSignedIn(browser, pathname);
    await page.setViewportSize({ width: WIDTH, height: 900 });
    return page;
  }

  async function shot(page: Page, name: string, element?: Locator) {
    if (element) {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await element
        .screenshot({ path: path.join(ARTIFACTS, `${name}.png`) })
        .catch(() => undefined);
    } else {
      await screenshot(page, name).catch(() => undefined);
    }
  }

  /** Nothing in `el` is wider than it (no clipped or scrolling content at this width). */
  async function fitsWidth(el: Locator): Promise<boolean> {
    return el.evaluate(node => node.scrollWidth <= node.clientWidth + 1);
  }

  it("puts checkout's open error at the top of its Overview", async () => {
    const page = await open('/catalog/default/component/checkout');
    try {
      const summary = page.getByTestId('conflict-summary');
      await summary.waitFor({ timeout: 90_000 });
      await summary
        .getByText(
          'Latency contract violation — checkout → risk.scoreTransaction',
        )
        .waitFor();
      await summary
        .getByText(
          'checkout expects p95 < 200ms · risk: p95 = 3200ms (current)',
        )
        .waitFor();
      await page
        .getByText(/^Contract conflicts: \d+ blocking integration$/)
        .waitFor();
      // above the fold, and above the stock cards of the Overview
      const box = (await summary.boundingBox())!;
      expect(box.y).toBeLessThan(700);
      const contractsCard = page.getByText('Drift from code (1)').first();
      await contractsCard.waitFor({ timeout: 60_000 });
      expect((await contractsCard.boundingBox())!.y).toBeGreaterThan(box.y);
      expect(await fitsWidth(summary)).toBe(true);
    } finally {
      await shot(page, 'overview-conflict-summary');
    }
    await page.close();
  });

  it("draws checkout's latency waterfall: risk's 3200 ms against the 200 ms budget, light and dark", async () => {
    const page = await open('/catalog/default/component/checkout/contracts');
    try {
      const figure = page.getByTestId('latency-waterfall').first();
      await figure.waitFor({ timeout: 90_000 });
      await figure
        .getByText(
          "risk.scoreTransaction: p95 = 3200ms against checkout's budget p95 < 200ms",
        )
        .waitFor({ timeout: 60_000 });
      const hop = figure.locator(
        '[data-testid="waterfall-hop"][data-critical="true"]',
      );
      await hop.getByText('risk.scoreTransaction — critical hop').waitFor();
      await hop
        .getByText('p95 = 3200ms · timeout 500ms · × 2 attempts')
        .waitFor();
      await hop.getByText(/3200ms · 16× the budget/).waitFor();
      // the bar reaches 16 times as far as the budget line
      const geometry = await hop.evaluate(row => {
        const spans = Array.from(row.querySelectorAll('span'));
        const rect = (s: Element | undefined) => s?.getBoundingClientRect();
        const track = row.children[1].getBoundingClientRect();
        const line = rect(
          spans.find(s => getComputedStyle(s).borderLeftStyle === 'dashed'),
        )!;
        const bar = rect(
          spans.find(
            s =>
              getComputedStyle(s).height === '16px' &&
              s.getBoundingClientRect().width > 50,
          ),
        )!;
        return {
          line: line.left - track.left,
          bar: bar.right - track.left,
        };
      });
      expect(geometry.bar / geometry.line).toBeGreaterThan(14);
      expect(geometry.bar / geometry.line).toBeLessThan(18);
      expect(await fitsWidth(figure)).toBe(true);
      await figure.scrollIntoViewIfNeeded();
      await shot(page, 'waterfall-checkout', figure);

      // the dark theme: same picture, light text on a dark card
      await page.evaluate(() => localStorage.setItem('theme', 'dark'));
      await page.reload();
      const dark = page.getByTestId('latency-waterfall').first();
      await dark
        .getByText(/p95 = 3200ms against checkout's budget/)
        .waitFor({ timeout: 90_000 });
      const text = await dark
        .locator('figcaption')
        .evaluate(el => getComputedStyle(el).color);
      const [r, g, b] = text.match(/\d+/g)!.map(Number);
      expect((r + g + b) / 3).toBeGreaterThan(160);
      await dark.scrollIntoViewIfNeeded();
      await shot(page, 'waterfall-checkout-dark', dark);
      await page.evaluate(() => localStorage.setItem('theme', 'light'));
    } finally {
      await shot(page, 'waterfall-checkout-tab');
    }
    await page.close();
  });

  it("draws risk's freshness need and checks a faster risk as a diff against today's findings", async () => {
    const page = await open('/catalog/default/component/risk/contracts');
    try {
      const fresh = page.getByTestId('freshness-waterfall').first();
      await fresh
        .getByText(
          "orders.user_purchases: up to 60s old against risk's need <10s",
        )
        .waitFor({ timeout: 90_000 });
      await shot(page, 'waterfall-risk-freshness', fresh);

      // What if… starts from the contract risk keeps in files, not from a template
      const editor = page.getByLabel('Contract YAML');
      await editor.waitFor();
      await page
        .getByText(/It starts from the contract as the portal read it/)
        .waitFor({ timeout: 60_000 });
      const text = await editor.inputValue();
      expect(text).toMatch(/^service: risk\n/);
      expect(text).toContain('current: p50=2800ms, p95=3200ms');
      await editor.fill(
        text.replace(
          'current: p50=2800ms, p95=3200ms',
          'current: p50=80ms, p95=150ms',
        ),
      );
      await page.getByRole('button', { name: 'Check', exact: true }).click();
      const removed = page.getByTestId('what-if-removed');
      await removed.waitFor({ timeout: 60_000 });
      await removed.getByText('Latency contract violation').waitFor();
      await page
        .getByText(/Compared with today: \d+ new · [1-9]\d* would be resolved/)
        .waitFor();
      const result = page.getByTestId('what-if-result');
      await result.scrollIntoViewIfNeeded();
      await shot(page, 'what-if-diff', result);
    } finally {
      await shot(page, 'waterfall-risk-tab');
    }
    await page.close();
  });
});
