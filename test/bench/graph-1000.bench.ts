/*
 * Benchmark (`yarn bench:graph`): the conflict graph page at a generated 1,000-node / ~2,000-edge
 * graph in headless Chromium. Prints nodes, edges, first render and pan/zoom frame times
 * (p50/p95/max) and writes test/artifacts/contracts-graph-1000.json; asserts only that every
 * node is rendered. The goal (first render ≤ 2 s, frame p95 ≤ 50 ms) is read off the figures.
 *
 * The graph is served to the page through `page.route`, so any portal will do: one already
 * serving on :7007 is reused (build its app first: `bash scripts/run.sh build-app`), otherwise
 * the benchmark starts its own (`startPortal()`, which rebuilds the app when sources changed)
 * and stops it afterwards.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, guestToken, Portal, startPortal } from '../support/portal';
import { launchBrowser, openSignedIn, screenshot } from '../support/browser';

jest.setTimeout(600_000);

function generatedGraph(n: number) {
  const nodes = Array.from({ length: n }, (_, i) => ({
    ref: `component:default/svc-${i}`,
    kind: 'Component',
    name: `svc-${i}`,
    owner: `group:default/team-${i % 40}`,
    system: `system:default/sys-${i % 25}`,
    hasContract: i % 5 !== 0,
  }));
  const severities = ['error', 'warning', 'tradeoff', 'info'] as const;
  const edges: any[] = [];
  const findings: any[] = [];
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let i = 1; i < n; i++) {
    // a mostly layered call graph with some cross links and cycles
    const targets = [Math.floor(rnd() * i), Math.floor(rnd() * n)];
    for (const t of targets) {
      if (t === i) continue;
      const id = `e${edges.length}`;
      const f: string[] = [];
      if (rnd() < 0.15) {
        const fid = `f${findings.length}`;
        const severity = severities[Math.floor(rnd() * 4)];
        findings.push({
          id: fid, rule: 'latency-budget', severity, status: 'open',
          consumer: nodes[i].ref, provider: nodes[t].ref, subject: `op${t}`,
          title: 'Latency contract violation', expected: 'p95 < 200ms', actual: 'p95 = 900ms',
          impact: 'generated', resolutions: ['cache'], evidence: fid, message: 'generated',
        });
        f.push(fid);
      }
      edges.push({ id, from: nodes[i].ref, to: nodes[t].ref, kind: 'call', subject: `op${t}`, findings: f });
    }
  }
  return { nodes, edges, findings };
}

async function portalRunning(): Promise<boolean> {
  try {
    await guestToken();
    return true;
  } catch {
    return false;
  }
}

/** 60 wheel zooms then 60 drag moves, one per frame; the time between frames. */
async function measurePanZoom(page: Page) {
  return page.evaluate(async () => {
    const svg = document.querySelector('[data-testid="contracts-graph-svg"]') as SVGSVGElement;
    const area = svg.closest('[data-testid="contracts-graph-canvas"]') ?? svg;
    const rect = area.getBoundingClientRect();
    const cx = rect.left + rect.width / 2;
    const cy = rect.top + rect.height / 2;
    const nextFrame = () => new Promise<number>(r => requestAnimationFrame(r));
    const times: number[] = [];
    let last = await nextFrame();
    for (let i = 0; i < 120; i++) {
      if (i < 60) {
        svg.dispatchEvent(new WheelEvent('wheel', {
          deltaY: i % 20 < 10 ? -60 : 60, clientX: cx, clientY: cy, bubbles: true, cancelable: true,
        }));
      } else {
        const x = cx + (i % 20) * 8;
        if (i === 60) svg.dispatchEvent(new PointerEvent('pointerdown', { clientX: cx, clientY: cy, buttons: 1, bubbles: true, pointerId: 1 }));
        svg.dispatchEvent(new PointerEvent('pointermove', { clientX: x, clientY: cy + (i % 7) * 5, buttons: 1, bubbles: true, pointerId: 1 }));
      }
      const t = await nextFrame();
      times.push(t - last);
      last = t;
    }
    svg.dispatchEvent(new PointerEvent('pointerup', { bubbles: true, pointerId: 1 }));
    const sorted = [...times].sort((a, b) => a - b);
    return {
      count: times.length,
      p50: sorted[Math.floor(sorted.length * 0.5)],
      p95: sorted[Math.floor(sorted.length * 0.95)],
      max: sorted[sorted.length - 1],
    };
  });
}

describe('conflict graph at 1,000 nodes (benchmark)', () => {
  let portal: Portal | undefined;
  let browser: Browser;

  beforeAll(async () => {
    if (!(await portalRunning())) portal = await startPortal();
    browser = await launchBrowser();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
  });

  it('renders every node; prints first render and pan/zoom frame times', async () => {
    const graph = generatedGraph(1000);
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
      { timeout: 60_000 },
    );
    const nodes = await page.getByTestId('graph-node').count();
    const firstRenderMs = await page.evaluate(() => {
      const req = performance.getEntriesByName('contracts-graph-request').pop()!;
      const data = performance.getEntriesByName('contracts-graph-data').pop()!;
      const done = performance.getEntriesByName('contracts-graph-rendered').pop()!;
      return {
        total: done.startTime - req.startTime,
        afterData: done.startTime - data.startTime,
      };
    });
    const frames = await measurePanZoom(page);
    // let the page settle (idle rendering after the gesture) before the screenshot
    await page.waitForTimeout(500);
    const result = {
      nodes,
      edges: graph.edges.length,
      conflictEdges: graph.edges.filter(e => e.findings.length).length,
      firstRenderMs,
      panZoomFrameMs: frames,
    };
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const out = path.join(ARTIFACTS, 'contracts-graph-1000.json');
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    await screenshot(page, 'contracts-graph-1000').catch(() => undefined);
    await page.close();

    const ms = (v: number) => `${v.toFixed(1)} ms`;
    const rows: Array<[string, string]> = [
      ['nodes', String(result.nodes)],
      ['edges', `${result.edges} (${result.conflictEdges} with conflicts)`],
      ['first render (request → drawn)', ms(firstRenderMs.total)],
      ['first render (data → drawn)', ms(firstRenderMs.afterData)],
      [`pan/zoom frame p50 (${frames.count} frames)`, ms(frames.p50)],
      ['pan/zoom frame p95', ms(frames.p95)],
      ['pan/zoom frame max', ms(frames.max)],
    ];
    const w = Math.max(...rows.map(r => r[0].length));
    process.stdout.write(
      `\ncontracts graph, 1,000 nodes${portal ? '' : ' (reused the portal on :7007)'}\n${rows
        .map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)
        .join('\n')}\n  → ${path.relative(process.cwd(), out)}\n\n`,
    );

    expect(nodes).toBe(1000);
  });
});
