/*
 * Issue 15, contract history: the real portal (`npm start`) on a copy of the example catalog,
 * whose risk team then changes its contract file — caching brings scoreTransaction's p95 from
 * 3200ms to 150ms, then it is back at 3200ms. The catalog reads the files again, the contracts
 * graph follows, the history records each change; checkout's Contracts tab shows them as lines
 * of its timeline ("risk raised p95 (current) of operation scoreTransaction to 3200ms (from
 * 150ms) — opened latency-budget for checkout on risk"), in headless Chromium. Screenshot:
 * test/artifacts/contract-history-checkout.png.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser, openSignedIn, screenshot } from '../support/browser';
import {
  BASE_URL,
  guestToken,
  Portal,
  ROOT,
  startPortal,
} from '../support/portal';

jest.setTimeout(300_000);

interface HistoryChange {
  type: string;
  id: string;
  findings?: Array<{ change: string; finding: { rule: string } }>;
}

describe('contract history in the portal', () => {
  let portal: Portal;
  let browser: Browser;
  let catalogDir: string;
  let sla: string;
  let original: string;

  /** Checkout's history, as the guest reads it. */
  async function checkoutHistory(): Promise<HistoryChange[]> {
    const res = await fetch(
      `${BASE_URL}/api/contracts/entities/component/default/checkout/history`,
      { headers: { Authorization: `Bearer ${await guestToken()}` } },
    );
    if (!res.ok) throw new Error(`history: ${res.status} ${await res.text()}`);
    return (await res.json()).items;
  }

  /** Waits for a change after `after` that opened or closed checkout's latency finding. */
  async function latencyChange(
    change: 'opened' | 'closed',
    after: number,
  ): Promise<HistoryChange> {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const found = (await checkoutHistory()).find(
        i =>
          i.type === 'change' &&
          Number(i.id) > after &&
          i.findings?.some(
            f => f.change === change && f.finding.rule === 'latency-budget',
          ),
      );
      if (found) return found;
      await new Promise(r => setTimeout(r, 1000));
    }
    throw new Error(
      `checkout's history never showed latency-budget ${change}; portal log:\n${portal
        .log()
        .slice(-3000)}`,
    );
  }

  beforeAll(async () => {
    catalogDir = fs.mkdtempSync(path.join(os.tmpdir(), 'contracts-catalog-'));
    fs.cpSync(path.join(ROOT, 'examples'), catalogDir, { recursive: true });
    sla = path.join(catalogDir, 'risk/contracts/sla.yaml');
    original = fs.readFileSync(sla, 'utf8');
    portal = await startPortal({
      env: {
        // the copy instead of examples/ (an env value is read as JSON)
        APP_CONFIG_catalog_locations: JSON.stringify([
          { type: 'file', target: path.join(catalogDir, 'all.yaml') },
        ]),
      },
    });
    browser = await launchBrowser();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
    fs.rmSync(catalogDir, { recursive: true, force: true });
  });

  it("shows risk's contract change and the finding it opened on checkout's Contracts tab", async () => {
    const last = Math.max(
      0,
      ...(await checkoutHistory())
        .filter(i => i.type === 'change')
        .map(i => Number(i.id)),
    );
    // risk implements caching, the latency finding closes…
    fs.writeFileSync(
      sla,
      original.replace(
        'current: p50=2800ms, p95=3200ms',
        'current: p50=80ms, p95=150ms',
      ),
    );
    const closed = await latencyChange('closed', last);
    // …and the cache is dropped again: it opens
    fs.writeFileSync(sla, original);
    await latencyChange('opened', Number(closed.id));

    const page = await openSignedIn(
      browser,
      '/catalog/default/component/checkout/contracts',
    );
    try {
      const card = page
        .locator('.MuiCard-root')
        .filter({ hasText: 'Contract history' });
      await card.waitFor({ timeout: 90_000 });
      const opened = card
        .getByTestId('contract-history-item')
        .filter({
          hasText:
            /risk .*raised p95 \(current\) of operation scoreTransaction to 3200ms \(from 150ms\).* — .*opened latency-budget for checkout/,
        })
        .first();
      await opened.waitFor({ timeout: 60_000 });
      await card
        .getByTestId('contract-history-item')
        .filter({
          hasText:
            /risk .*lowered p95 \(current\) of operation scoreTransaction to 150ms.*closed latency-budget for checkout/,
        })
        .first()
        .waitFor();
      // newest first: the reopening above the closing
      const lines = await card
        .getByTestId('contract-history-item')
        .allTextContents();
      const at = (re: RegExp) => lines.findIndex(l => re.test(l));
      expect(at(/opened latency-budget for checkout/)).toBeLessThan(
        at(/closed latency-budget for checkout/),
      );
      expect(await card.getByTestId('item-error').count()).toBe(0);
      await card.scrollIntoViewIfNeeded();
      fs.mkdirSync(path.join(ROOT, 'test/artifacts'), { recursive: true });
      await card.screenshot({
        path: path.join(ROOT, 'test/artifacts/contract-history-card.png'),
      });
    } finally {
      await screenshot(page, 'contract-history-checkout').catch(
        () => undefined,
      );
      await page.close();
    }
  });
});
