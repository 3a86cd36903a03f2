/*
 * Benchmark (`GRAPH_BENCH=candidates yarn bench:graph`): how the graph library was chosen
 * (issue 17). The same generated graph drawn by sigma 3 (WebGL, graphology; the installed one)
 * and by Cytoscape.js 3 (canvas 2D; with `textureOnViewport`, which moves a cached bitmap while
 * the camera moves; and its WebGL renderer) on a bare 1280×800 page in the e2e's headless
 * Chromium (software WebGL, SwiftShader). Per library and size: time to the first frame, frame
 * times while the real mouse zooms and pans (p50/p95/max), and JS heap in use. Both get the same
 * precomputed random positions (no layout time counted). Asserts nothing about timings.
 *
 * Cytoscape is not a dependency: fetch it with the npm client first, e.g.
 *   (cd /tmp && npm pack cytoscape@3 && tar xzf cytoscape-3.*.tgz)
 *   CYTOSCAPE_JS=/tmp/package/dist/cytoscape.min.js GRAPH_BENCH=candidates yarn bench:graph
 * GRAPH_CANDIDATE_SIZES=1000,10000 overrides the sizes.
 * (Run outside jest as a plain script, this page crashed Chromium: the e2e's launch options
 * below, from test/support/browser.ts, do not.)
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, ROOT } from '../support/portal';
import { launchBrowser } from '../support/browser';
import { browserCpuMs } from './browserCpu';

jest.setTimeout(1_800_000);

const SIZES = (process.env.GRAPH_CANDIDATE_SIZES ?? '1000,10000')
  .split(',')
  .map(Number);

const SIGMA = [
  path.join(ROOT, 'node_modules/graphology/dist/graphology.umd.min.js'),
  path.join(ROOT, 'node_modules/sigma/dist/sigma.min.js'),
];
const CYTOSCAPE = process.env.CYTOSCAPE_JS
  ? [process.env.CYTOSCAPE_JS]
  : undefined;

const CANDIDATES: Array<{ name: string; files?: string[] }> = [
  { name: 'sigma', files: SIGMA },
  { name: 'cytoscape', files: CYTOSCAPE },
  { name: 'cytoscape-texture', files: CYTOSCAPE },
  { name: 'cytoscape-webgl', files: CYTOSCAPE },
];

/** Runs in the page: the generator's shape (graphFixture.ts) plus positions, then draws it. */
function draw(args: { n: number; lib: string }): Promise<number> {
  const { n, lib } = args;
  const w = window as any;
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const nodes: any[] = [];
  const edges: any[] = [];
  for (let i = 0; i < n; i++) {
    nodes.push({
      id: `svc-${i}`,
      x: rnd() * 1000,
      y: rnd() * 1000,
      team: i % 40,
    });
  }
  for (let i = 1; i < n; i++) {
    for (const t of [Math.floor(rnd() * i), Math.floor(rnd() * n)]) {
      if (t !== i) {
        edges.push({
          id: `e${edges.length}`,
          s: `svc-${i}`,
          t: `svc-${t}`,
          sev: rnd() < 0.15 ? '#d32f2f' : '#b0b0b0',
        });
      }
    }
  }
  const el = document.getElementById('c')!;
  const t0 = performance.now();
  return new Promise(resolve => {
    if (lib === 'sigma') {
      const g = new w.graphology.Graph({ multi: true });
      nodes.forEach(v =>
        g.addNode(v.id, {
          x: v.x,
          y: v.y,
          size: 4,
          label: v.id,
          color: `hsl(${v.team * 9},60%,50%)`,
        }),
      );
      edges.forEach(e =>
        g.addDirectedEdgeWithKey(e.id, e.s, e.t, { color: e.sev, size: 1 }),
      );
      // sigma draws in its constructor: the first frame is the next one
      const s = new w.Sigma(g, el, {
        defaultEdgeType: 'arrow',
        renderEdgeLabels: true,
      });
      requestAnimationFrame(() => resolve(performance.now() - t0));
      w.__renderer = s;
    } else {
      const cy = w.cytoscape({
        container: el,
        elements: [
          ...nodes.map(v => ({
            data: { id: v.id, c: `hsl(${v.team * 9},60%,50%)` },
            position: { x: v.x, y: v.y },
          })),
          ...edges.map(e => ({
            data: { id: e.id, source: e.s, target: e.t, c: e.sev },
          })),
        ],
        layout: { name: 'preset' },
        style: [
          {
            selector: 'node',
            style: {
              'background-color': 'data(c)',
              width: 8,
              height: 8,
              label: 'data(id)',
              'font-size': 6,
              'min-zoomed-font-size': 8,
            },
          },
          {
            selector: 'edge',
            style: {
              'line-color': 'data(c)',
              width: 1,
              'target-arrow-shape': 'triangle',
              'target-arrow-color': 'data(c)',
              'curve-style': 'straight',
            },
          },
        ],
        textureOnViewport: lib === 'cytoscape-texture',
        ...(lib === 'cytoscape-webgl'
          ? { renderer: { name: 'canvas', webgl: true } }
          : {}),
      });
      cy.one('render', () =>
        requestAnimationFrame(() => resolve(performance.now() - t0)),
      );
    }
  });
}

async function panZoom(p: Page) {
  await p.evaluate(() => {
    const w = window as any;
    w.__f = [];
    w.__rec = true;
    const tick = (t: number) => {
      w.__f.push(t);
      if (w.__rec) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await p.mouse.move(640, 400);
  for (let i = 0; i < 40; i++) {
    await p.mouse.wheel(0, i % 20 < 10 ? -120 : 120);
    await p.waitForTimeout(16);
  }
  await p.mouse.down();
  for (let i = 0; i < 80; i++) {
    await p.mouse.move(
      640 + Math.sin(i / 8) * 200,
      400 + Math.cos(i / 8) * 120,
    );
  }
  await p.mouse.up();
  await p.waitForTimeout(300);
  const t: number[] = await p.evaluate(() => {
    const w = window as any;
    w.__rec = false;
    return w.__f;
  });
  return t
    .slice(1)
    .map((v, i) => v - t[i])
    .sort((a, b) => a - b);
}

describe('graph library candidates (benchmark)', () => {
  let browser: Browser;
  let server: http.Server;
  let base: string;
  const files = [...SIGMA, ...(CYTOSCAPE ?? [])];
  const results: any[] = [];

  beforeAll(async () => {
    // a real origin: about:blank pages crashed this headless build under WebGL/canvas load
    server = http.createServer((req, res) => {
      const i = Number(req.url!.slice(1));
      if (files[i]) res.end(fs.readFileSync(files[i]));
      else
        res.end(
          '<!doctype html><div id="c" style="position:absolute;inset:0"></div>',
        );
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it.each(SIZES)('%i nodes: first frame, pan/zoom frames, memory', async n => {
    process.stdout.write(`\ncandidates, ${n} nodes\n`);
    for (const { name, files: libFiles } of CANDIDATES) {
      if (!libFiles) {
        process.stdout.write(`  ${name}: skipped (set CYTOSCAPE_JS)\n`);
        continue;
      }
      const p = await browser.newPage({
        viewport: { width: 1280, height: 800 },
      });
      const errors: string[] = [];
      p.on('pageerror', e => errors.push(e.message));
      await p.goto(`${base}/page`);
      for (const f of libFiles)
        await p.addScriptTag({ url: `${base}/${files.indexOf(f)}` });
      const first = await Promise.race([
        p.evaluate(draw, { n, lib: name }),
        new Promise<number>((_, reject) =>
          setTimeout(
            () => reject(new Error(`${name}: no first frame in 5 min`)),
            300_000,
          ),
        ),
      ]);
      const cpu0 = browserCpuMs();
      const d = await panZoom(p);
      const cpu = (browserCpuMs() - cpu0) / d.length;
      const cdp = await p.context().newCDPSession(p);
      await cdp.send('Performance.enable');
      const { metrics } = await cdp.send('Performance.getMetrics');
      const heapMb =
        (metrics.find(m => m.name === 'JSHeapUsedSize')?.value ?? 0) / 2 ** 20;
      await p.close();
      const q = (x: number) =>
        d[Math.min(d.length - 1, Math.floor(d.length * x))];
      const r = {
        lib: name,
        nodes: n,
        firstFrameMs: Math.round(first),
        frames: d.length,
        p50: q(0.5),
        p95: q(0.95),
        max: d[d.length - 1],
        browserCpuMsPerFrame: cpu,
        jsHeapUsedMb: Math.round(heapMb),
        load: os.loadavg()[0],
      };
      results.push(r);
      process.stdout.write(
        `  ${name.padEnd(18)} first frame ${String(r.firstFrameMs).padStart(
          5,
        )} ms  frames ${d.length}: ` +
          `p50 ${r.p50.toFixed(1)}  p95 ${r.p95.toFixed(
            1,
          )}  max ${r.max.toFixed(1)} ms  cpu/frame ${cpu.toFixed(
            1,
          )} ms  heap ${r.jsHeapUsedMb} MB` +
          `  (load ${r.load.toFixed(1)})${
            errors.length ? `  page errors: ${errors.join('; ')}` : ''
          }\n`,
      );
      expect(d.length).toBeGreaterThan(0);
    }
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(
      path.join(ARTIFACTS, 'contracts-graph-candidates.json'),
      `${JSON.stringify(results, null, 2)}\n`,
    );
  });
});
