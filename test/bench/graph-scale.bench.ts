/*
 * Benchmark (`yarn bench:graph`): the conflict graph page (sigma + graphology, WebGL) at 1,000,
 * 10,000 and 20,000 generated nodes in headless Chromium (software WebGL, SwiftShader). Prints
 * per size: first render (request → first frame drawn, data → drawn), frame times while panning
 * and zooming with the real mouse (p50/p95/max over the frames of the gesture, after the
 * worker layout settled), and JS heap in use; writes test/artifacts/contracts-graph-scale.json.
 * Asserts only functional facts (a frame was drawn, the stats count every node), never timings.
 * Targets (read off the figures): first render ≤ 2 s and frame p95 ≤ 33 ms at 10,000 nodes.
 *
 * The graph is served to the page through `page.route`, so any portal will do: one already
 * serving on :7007 is reused (build its app first: `bash scripts/run.sh build-app`), otherwise
 * the benchmark starts its own and stops it afterwards. GRAPH_BENCH_SIZES=1000,5000 overrides
 * the sizes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, guestToken, Portal, startPortal } from '../support/portal';
import { launchBrowser, openSignedIn, screenshot } from '../support/browser';
import { generatedGraph } from './graphFixture';
import { browserCpuMs } from './browserCpu';

jest.setTimeout(1_800_000);

const SIZES = (process.env.GRAPH_BENCH_SIZES ?? '1000,10000,20000')
  .split(',')
  .map(Number);

async function portalRunning(): Promise<boolean> {
  try {
    await guestToken();
    return true;
  } catch {
    return false;
  }
}

/** Frame intervals (rAF) while the real mouse zooms (wheel) then pans (drag) over the canvas. */
async function measurePanZoom(page: Page) {
  const box = (await page.getByTestId('contracts-graph-canvas').boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.evaluate(() => {
    const w = window as any;
    w.__frames = [];
    w.__recording = true;
    const tick = (t: number) => {
      w.__frames.push(t);
      if (w.__recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.mouse.move(cx, cy);
  const cpu0 = browserCpuMs();
  for (let i = 0; i < 40; i++) {
    await page.mouse.wheel(0, i % 20 < 10 ? -120 : 120);
    await page.waitForTimeout(16);
  }
  await page.mouse.down();
  for (let i = 0; i < 80; i++) {
    await page.mouse.move(
      cx + Math.sin(i / 8) * 200,
      cy + Math.cos(i / 8) * 120,
    );
  }
  await page.mouse.up();
  await page.waitForTimeout(300);
  const t: number[] = await page.evaluate(() => {
    const w = window as any;
    w.__recording = false;
    return w.__frames;
  });
  const cpuMs = browserCpuMs() - cpu0;
  const times = t.slice(1).map((v, i) => v - t[i]);
  const sorted = [...times].sort((a, b) => a - b);
  return {
    count: times.length,
    p50: sorted[Math.floor(sorted.length * 0.5)],
    p95: sorted[Math.floor(sorted.length * 0.95)],
    max: sorted[sorted.length - 1],
    /** Chromium's CPU time (all its processes) over the gesture, per frame: load-independent. */
    browserCpuMsPerFrame: times.length ? cpuMs / times.length : 0,
  };
}

describe('conflict graph at scale (benchmark)', () => {
  let portal: Portal | undefined;
  let browser: Browser;
  const results: any[] = [];

  beforeAll(async () => {
    if (!(await portalRunning())) portal = await startPortal();
    browser = await launchBrowser();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
  });

  it.each(SIZES)('%i nodes: first render, pan/zoom frames, memory', async n => {
    const graph = generatedGraph(n);
    const body = JSON.stringify(graph);
    const page = await openSignedIn(browser, '/catalog');
    await page.route('**/api/contracts/graph**', route =>
      route.fulfill({ status: 200, contentType: 'application/json', body }),
    );
    // a client-side navigation, so only the graph page itself is timed
    await page.getByRole('link', { name: 'Contracts' }).first().click();
    await page.waitForFunction(
      () => performance.getEntriesByName('contracts-graph-rendered').length > 0,
      undefined,
      { timeout: 300_000 },
    );
    const firstRenderMs = await page.evaluate(() => {
      const req = performance
        .getEntriesByName('contracts-graph-request')
        .pop()!;
      const data = performance.getEntriesByName('contracts-graph-data').pop()!;
      const done = performance
        .getEntriesByName('contracts-graph-rendered')
        .pop()!;
      return {
        total: done.startTime - req.startTime,
        afterData: done.startTime - data.startTime,
      };
    });
    const stats = await page.getByTestId('graph-stats').textContent();
    const layoutStart = Date.now();
    await page.waitForSelector(
      '[data-testid="contracts-graph-canvas"][data-layout="settled"]',
      {
        timeout: 120_000,
      },
    );
    const layoutMs = Date.now() - layoutStart;
    const frames = await measurePanZoom(page);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const heapMb =
      (metrics.find(m => m.name === 'JSHeapUsedSize')?.value ?? 0) / 2 ** 20;
    await screenshot(page, `contracts-graph-${n}`).catch(() => undefined);
    await page.close();
    const result = {
      nodes: n,
      edges: graph.edges.length,
      firstRenderMs,
      layoutSettledAfterMs: layoutMs,
      panZoomFrameMs: frames,
      jsHeapUsedMb: Math.round(heapMb),
      load: os.loadavg()[0],
    };
    results.push(result);
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    process.stdout.write(
      `\ncontracts graph, ${n} nodes / ${graph.edges.length} edges${
        portal ? '' : ' (portal on :7007 reused)'
      }\n` +
        `  first render (request → drawn)  ${ms(firstRenderMs.total)}\n` +
        `  first render (data → drawn)     ${ms(firstRenderMs.afterData)}\n` +
        `  worker layout settled after     ${layoutMs} ms more\n` +
        `  pan/zoom frames (${frames.count})          p50 ${ms(
          frames.p50,
        )}  p95 ${ms(frames.p95)}  max ${ms(frames.max)}\n` +
        `  Chromium CPU per frame (gesture) ${ms(
          frames.browserCpuMsPerFrame,
        )}\n` +
        `  JS heap used                    ${Math.round(heapMb)} MB\n` +
        `  machine load (1 min)            ${os.loadavg()[0].toFixed(1)}\n`,
    );
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(
      path.join(ARTIFACTS, 'contracts-graph-scale.json'),
      `${JSON.stringify(results, null, 2)}\n`,
    );
    expect(stats).toContain(`${n} entities`);
    expect(frames.count).toBeGreaterThan(0);
  });
});
