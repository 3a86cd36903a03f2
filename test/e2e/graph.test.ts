/*
 * Issue 17: the conflict graph page (sigma, WebGL) in the real portal, in headless Chromium.
 * The essay's graph is drawn with arrowheads, labels and a legend; a click on the drawn
 * checkout → risk edge opens its findings; a 10,000-node graph (served through page.route)
 * opens focused on a neighbourhood from the URL; the essay's graph in the dark theme. All at
 * 1280 px. Screenshots in test/artifacts: contracts-graph-essay.png (light theme),
 * contracts-graph-essay-selected.png, contracts-graph-10k-neighbourhood.png,
 * contracts-graph-essay-dark.png.
 */
import type { Browser, Page } from 'playwright-core';
import { Portal, startPortal } from '../support/portal';
import { launchBrowser, openSignedIn, screenshot } from '../support/browser';
import { generatedGraph } from '../bench/graphFixture';

jest.setTimeout(300_000);

async function settled(page: Page) {
  await page.waitForSelector(
    '[data-testid="contracts-graph-canvas"][data-layout="settled"]',
    {
      timeout: 120_000,
    },
  );
  // drawn at the page's current size (the viewport is set after the page opened: sigma redraws
  // on the resize, and positions read before that point at the old drawing)
  await page.waitForFunction(() => {
    const el = document.querySelector('[data-testid="contracts-graph-canvas"]');
    const canvas = el?.querySelector('canvas');
    return (
      !!el &&
      !!canvas &&
      Math.abs(
        canvas.getBoundingClientRect().width - el.getBoundingClientRect().width,
      ) < 1
    );
  });
  await page.waitForTimeout(500);
}

describe('conflict graph page', () => {
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

  it("draws the essay's graph; a click on the checkout → risk edge shows its findings", async () => {
    const page = await openSignedIn(browser, '/contracts');
    await page.setViewportSize({ width: 1280, height: 900 });
    try {
      await settled(page);
      await page.getByTestId('graph-legend').getByText('error').waitFor();
      const edge = page.locator(
        '[data-testid="conflict-edge"][data-from="component:default/checkout"][data-to="component:default/risk"]',
      );
      const id = (await edge.first().getAttribute('data-edge-id'))!;
      const canvas = page.getByTestId('contracts-graph-canvas');
      const box = (await canvas.boundingBox())!;
      const at = await canvas.evaluate(
        (el, edgeId) => (el as any).contractsGraph.edgePosition(edgeId),
        id,
      );
      await screenshot(page, 'contracts-graph-essay');
      await page.mouse.move(box.x + at.x, box.y + at.y);
      await page
        .getByTestId('graph-tooltip')
        .getByText('scoreTransaction')
        .waitFor();
      await page.mouse.click(box.x + at.x, box.y + at.y);
      const selection = page.getByTestId('graph-selection');
      await selection.getByText('Latency contract violation').first().waitFor();
      expect(decodeURIComponent(page.url())).toContain(`selected=edge:${id}`);
    } finally {
      await screenshot(page, 'contracts-graph-essay-selected').catch(
        () => undefined,
      );
    }
    await page.close();
  });

  it('opens a 10,000-node graph focused on a neighbourhood named in the URL', async () => {
    const graph = generatedGraph(10_000);
    const body = JSON.stringify(graph);
    const page = await openSignedIn(browser, '/catalog');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.route('**/api/contracts/graph**', route =>
      route.fulfill({ status: 200, contentType: 'application/json', body }),
    );
    await page.goto(
      `${page
        .url()
        .replace(
          /\/catalog.*$/,
          '',
        )}/contracts?around=component%3Adefault%2Fsvc-4242&depth=2`,
    );
    try {
      await settled(page);
      const stats = await page.getByTestId('graph-stats').textContent();
      const shown = Number(/^(\d+) entities/.exec(stats ?? '')?.[1]);
      expect(shown).toBeGreaterThan(3);
      expect(shown).toBeLessThan(1000);
      await page
        .getByLabel('Neighbourhood of')
        .and(page.locator('input'))
        .waitFor();
      expect(await page.getByLabel('Neighbourhood of').inputValue()).toBe(
        'svc-4242',
      );
    } finally {
      await screenshot(page, 'contracts-graph-10k-neighbourhood').catch(
        () => undefined,
      );
    }
    await page.close();
  });

  it("draws the essay's graph in the dark theme: light labels and legend on a dark page", async () => {
    const page = await openSignedIn(browser, '/contracts');
    await page.setViewportSize({ width: 1280, height: 900 });
    // the app's theme choice (Settings → Theme) is kept in localStorage
    await page.evaluate(() => localStorage.setItem('theme', 'dark'));
    await page.reload();
    // the reload may ask for the guest sign-in again
    const enter = page.getByRole('button', { name: /enter/i });
    await page
      .getByTestId('graph-legend')
      .or(enter)
      .first()
      .waitFor({ timeout: 60_000 });
    if (await enter.isVisible()) await enter.click();
    try {
      await settled(page);
      const legend = page.getByTestId('graph-legend');
      await legend.getByText('error').waitFor();
      const lum = (c: string) => {
        const [r, g, b] = c.match(/\d+/g)!.map(Number);
        return (r + g + b) / 3;
      };
      const text = await legend.evaluate(el => getComputedStyle(el).color);
      const page_ = await page.evaluate(
        () => getComputedStyle(document.body).backgroundColor,
      );
      expect(lum(text)).toBeGreaterThan(160);
      expect(lum(page_)).toBeLessThan(80);
    } finally {
      await screenshot(page, 'contracts-graph-essay-dark').catch(
        () => undefined,
      );
    }
    await page.close();
  });
});
