/*
 * How the graph library was chosen (issue 17): the same generated graph drawn by sigma 3
 * (WebGL, graphology) and by Cytoscape.js 3 (canvas) on a bare 1280×800 page in the e2e's
 * headless Chromium; prints time to first frame and frame times while the real mouse zooms and
 * pans (p50/p95/max). Both get the same precomputed random positions (no layout time counted).
 * Not a test and not part of `npm test`. Cytoscape is not a dependency: fetch it with the npm
 * client first, e.g.
 *   (cd /tmp && npm pack cytoscape@3 && tar xzf cytoscape-3.*.tgz)
 *   CYTOSCAPE_JS=/tmp/package/dist/cytoscape.min.js node test/bench/graph-candidates.cjs 1000,10000
 */
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const http = require('node:http');
const fs = require('node:fs');
const { chromium } = require('playwright-core');

const ROOT = path.resolve(__dirname, '../..');
const SIZES = (process.argv[2] ?? '1000,10000').split(',').map(Number);
const libs = {
  sigma: process.env.SKIP_SIGMA ? undefined : [
    path.join(ROOT, 'node_modules/graphology/dist/graphology.umd.min.js'),
    path.join(ROOT, 'node_modules/sigma/dist/sigma.min.js'),
  ],
  cytoscape: process.env.CYTOSCAPE_JS ? [process.env.CYTOSCAPE_JS] : undefined,
};

function page(n, lib) {
  // runs in the page: the generator of test/bench/graphFixture.ts (shape only) plus positions
  return `(() => {
    let seed = 42; const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const nodes = [], edges = [];
    for (let i = 0; i < ${n}; i++) nodes.push({ id: 'svc-' + i, x: rnd() * 1000, y: rnd() * 1000, team: i % 40 });
    for (let i = 1; i < ${n}; i++) for (const t of [Math.floor(rnd() * i), Math.floor(rnd() * ${n})]) {
      if (t !== i) edges.push({ id: 'e' + edges.length, s: 'svc-' + i, t: 'svc-' + t, sev: rnd() < 0.15 ? '#d32f2f' : '#b0b0b0' });
    }
    const el = document.getElementById('c');
    const t0 = performance.now();
    return new Promise(resolve => {
      if (${JSON.stringify(lib)} === 'sigma') {
        const g = new graphology.Graph({ multi: true });
        nodes.forEach(n => g.addNode(n.id, { x: n.x, y: n.y, size: 4, label: n.id, color: 'hsl(' + n.team * 9 + ',60%,50%)' }));
        edges.forEach(e => g.addDirectedEdgeWithKey(e.id, e.s, e.t, { color: e.sev, size: 1 }));
        const s = new Sigma(g, el, { defaultEdgeType: 'arrow', renderEdgeLabels: true });
        s.once('afterRender', () => resolve(performance.now() - t0));
      } else {
        const cy = cytoscape({ container: el, elements: [
          ...nodes.map(n => ({ data: { id: n.id, c: 'hsl(' + n.team * 9 + ',60%,50%)' }, position: { x: n.x, y: n.y } })),
          ...edges.map(e => ({ data: { id: e.id, source: e.s, target: e.t, c: e.sev } })),
        ], layout: { name: 'preset' }, style: [
          { selector: 'node', style: { 'background-color': 'data(c)', width: 8, height: 8, label: 'data(id)', 'font-size': 6, 'min-zoomed-font-size': 8 } },
          { selector: 'edge', style: { 'line-color': 'data(c)', width: 1, 'target-arrow-shape': 'triangle', 'target-arrow-color': 'data(c)', 'curve-style': 'straight' } },
        ], textureOnViewport: false });
        cy.one('render', () => requestAnimationFrame(() => resolve(performance.now() - t0)));
      }
    });
  })()`;
}

(async () => {
  const c = JSON.parse(execFileSync(process.execPath, [path.join(ROOT, 'scripts/chromium.mjs'), '--json'], { encoding: 'utf8' }));
  const browser = await chromium.launch({ executablePath: c.executablePath, env: { ...process.env, ...c.env }, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  // a real origin (about:blank pages crashed this headless build under WebGL/canvas load)
  const files = Object.values(libs).flat().filter(Boolean);
  const server = http.createServer((req, res) => {
    const i = Number(req.url.slice(1));
    if (files[i]) res.end(fs.readFileSync(files[i]));
    else res.end('<!doctype html><div id="c" style="position:absolute;inset:0"></div>');
  });
  await new Promise(r => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  for (const n of SIZES) {
    for (const [lib, libFiles] of Object.entries(libs)) {
      if (!libFiles) { console.log(`${lib}: skipped (set CYTOSCAPE_JS)`); continue; }
      const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      p.on('pageerror', e => console.error(lib, 'page error:', e.message));
      p.on('crash', () => console.error(lib, 'page crashed'));
      await p.goto(`${base}/page`);
      for (const f of libFiles) await p.addScriptTag({ url: `${base}/${files.indexOf(f)}` });
      const first = await p.evaluate(page(n, lib));
      await p.evaluate(() => { window.__f = []; window.__rec = true; const tick = t => { window.__f.push(t); if (window.__rec) requestAnimationFrame(tick); }; requestAnimationFrame(tick); });
      await p.mouse.move(640, 400);
      for (let i = 0; i < 40; i++) { await p.mouse.wheel(0, i % 20 < 10 ? -120 : 120); await p.waitForTimeout(16); }
      await p.mouse.down();
      for (let i = 0; i < 80; i++) await p.mouse.move(640 + Math.sin(i / 8) * 200, 400 + Math.cos(i / 8) * 120);
      await p.mouse.up();
      await p.waitForTimeout(300);
      const t = await p.evaluate(() => { window.__rec = false; return window.__f; });
      const d = t.slice(1).map((v, i) => v - t[i]).sort((a, b) => a - b);
      const q = x => d[Math.min(d.length - 1, Math.floor(d.length * x))].toFixed(1);
      console.log(`${lib.padEnd(9)} ${String(n).padStart(6)} nodes  first frame ${first.toFixed(0)} ms  frames ${d.length}: p50 ${q(0.5)} p95 ${q(0.95)} max ${d[d.length - 1].toFixed(1)} ms`);
      await p.close();
    }
  }
  await browser.close();
  server.close();
})();
