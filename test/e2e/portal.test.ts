/*
 * Issue 2: `npm start` brings the portal up on :7007 with the example catalog; the catalog API
 * lists the example entities; the catalog page renders in headless Chromium.
 */
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { BASE_URL, guestToken, Portal, startPortal } from '../support/portal';
import { launchBrowser, openSignedIn, screenshot } from '../support/browser';

describe('the portal (npm start)', () => {
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

  it('lists the example entities through the catalog API', async () => {
    const token = await guestToken();
    const res = await fetch(`${BASE_URL}/api/catalog/entities`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const entities: Array<{ kind: string; metadata: { name: string } }> =
      await res.json();
    const refs = entities.map(e => `${e.kind.toLowerCase()}:${e.metadata.name}`);
    expect(refs).toEqual(
      expect.arrayContaining([
        'component:checkout',
        'component:risk',
        'component:orders',
        'component:payment',
        'component:support',
        'component:data-platform',
        'resource:orders-db',
        'system:fraud-detection',
        'group:checkout-team',
        'group:risk-team',
        'group:orders-team',
        'group:payment-team',
        'group:support-team',
        'group:data-platform-team',
        'user:guest',
      ]),
    );
  });

  it('refuses the catalog API without a token', async () => {
    const res = await fetch(`${BASE_URL}/api/catalog/entities`);
    expect(res.status).toBe(401);
  });

  it('renders the catalog page in headless Chromium', async () => {
    const page = await openSignedIn(browser, '/');
    try {
      // signed in as the guest, a member of support-team: "Owned" shows support's component
      await page
        .getByRole('link', { name: 'Customer support', exact: true })
        .first()
        .waitFor({ timeout: 60_000 });
      await page.getByText('All', { exact: true }).click();
      // the catalog table links every component of the example catalog
      for (const name of ['checkout', 'risk', 'orders', 'payment', 'data-platform']) {
        await page
          .locator(`a[href$="/catalog/default/component/${name}"]`)
          .first()
          .waitFor({ timeout: 60_000 });
      }
    } finally {
      await screenshot(page, 'catalog');
    }
    const file = await screenshot(page, 'catalog');
    expect(fs.statSync(file).size).toBeGreaterThan(10_000);
    await page.close();
  });
});
