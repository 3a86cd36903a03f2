/*
 * Headless Chromium through playwright-core, and helpers around the guest sign-in.
 * Which Chromium: scripts/chromium.mjs decides (CHROMIUM_PATH, else the system's
 * /usr/bin/chromium, else the one the npm package @sparticuz/chromium ships) and the first launch
 * in a test file says which on stderr.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, Browser, Page } from 'playwright-core';
import { ARTIFACTS, BASE_URL, ROOT } from './portal';

export interface ChromiumChoice {
  source: 'system' | 'npm';
  executablePath: string;
  version: string;
  /** Environment the browser needs (its fonts, and libraries the machine may lack) */
  env: Record<string, string>;
  description: string;
}

let choice: ChromiumChoice | undefined;

/** The Chromium the end-to-end tests run (unpacks the npm one the first time). */
export function chromiumChoice(): ChromiumChoice {
  if (!choice) {
    const out = execFileSync(
      process.execPath,
      [path.join(ROOT, 'scripts/chromium.mjs'), '--json'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    choice = JSON.parse(out) as ChromiumChoice;
    process.stderr.write(`[e2e] browser: ${choice.description}\n`);
  }
  return choice;
}

export async function launchBrowser(): Promise<Browser> {
  const { executablePath, env } = chromiumChoice();
  return chromium.launch({
    executablePath,
    env: { ...process.env, ...env },
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
export async function openSignedIn(
  browser: Browser,
  pathname: string,
): Promise<Page> {
  const page = await browser.newPage({
    viewport: { width: 1400, height: 1000 },
  });
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
