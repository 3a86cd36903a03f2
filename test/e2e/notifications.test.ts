/*
 * Issue 16 in the real portal (`npm start`'s backend with the notifications and signals
 * plugins, the built app), in headless Chromium: a decision recorded while the support page is
 * open shows on that page without a reload (a signal, not the minute's refetch), and a decider
 * of the finding finds it in their notifications.
 */
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import {
  BASE_URL,
  guestToken,
  Portal,
  signInAs,
  startPortal,
} from '../support/portal';
import { launchBrowser, openSignedIn, screenshot } from '../support/browser';

jest.setTimeout(900_000);

const SUPPORT_PAGE = '/catalog/default/component/support';

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const token = await guestToken();
  const res = await fetch(`${BASE_URL}/api${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
    },
  });
  if (!res.ok) {
    throw new Error(`${path}: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as T;
}

describe('notifications and live pages in the portal', () => {
  let portal: Portal | undefined;
  let browser: Browser | undefined;

  afterEach(async () => {
    await browser?.close();
    await portal?.stop();
  });

  it('a recorded decision updates an open page without reload and notifies a decider', async () => {
    // bob (risk-team) records; the guest (support-team) is a decider of the access trade-off
    portal = await startPortal({ env: signInAs('user:default/bob') });
    browser = await launchBrowser();
    const page: Page = await openSignedIn(browser, SUPPORT_PAGE);
    await page
      .getByText('Trade-off decisions')
      .first()
      .waitFor({ timeout: 120_000 });
    await page.evaluate(() => {
      (window as any).__notReloaded = true;
    });

    const { items } = await api<{
      items: Array<{ id: string; rule: string; consumer: string }>;
    }>('/contracts/findings?rule=access-policy&limit=200');
    const access = items.find(f => f.consumer === 'component:default/support')!;
    const title = `Support reads a summary ${randomUUID().slice(0, 8)}`;
    const started = Date.now();
    await api('/contracts/decisions', {
      method: 'POST',
      body: JSON.stringify({
        findingId: access.id,
        title,
        decision: 'summary endpoint',
        rationale: 'keeps PII with the risk team',
        status: 'accepted',
      }),
    });
    // the periodic refetch is a minute; the signal makes it seconds
    await page
      .getByTestId('decision')
      .filter({ hasText: title })
      .first()
      .waitFor({ timeout: 20_000 });
    const seconds = (Date.now() - started) / 1000;
    expect(await page.evaluate(() => (window as any).__notReloaded)).toBe(true);
    await screenshot(page, 'notifications-live-page');
    // eslint-disable-next-line no-console
    console.log(
      `the record showed on the open page after ${seconds.toFixed(1)} s`,
    );

    // the guest, a decider, signs in and finds the notification
    const dataDir = portal.dataDir;
    await browser.close();
    browser = undefined;
    await portal.stop();
    portal = await startPortal({ dataDir });
    browser = await launchBrowser();
    const inbox = await openSignedIn(browser, '/notifications');
    await inbox
      .getByText(`Decision recorded: ${title}`)
      .first()
      .waitFor({ timeout: 60_000 });
    await screenshot(inbox, 'notifications-inbox');
  });
});
