/* Headless Debian Chromium through playwright-core, and helpers around the guest sign-in. */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, Browser, Page } from 'playwright-core';
import { ARTIFACTS, BASE_URL } from './portal';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Opens a page of the portal signed in as the guest (clicks through the sign-in page if shown). */
export async function openSignedIn(browser: Browser, pathname: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`${BASE_URL}${pathname}`);
  const enter = page.getByRole('button', { name: /enter/i });
  const signInShown = await enter
    .waitFor({ timeout: 15_000 })
    .then(() => true)
    .catch(() => false);
  if (signInShown) {
    await enter.click();
  }
  return page;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
