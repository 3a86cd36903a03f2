#!/usr/bin/env node
// A real Prometheus scraping a small service with known latencies, for the runtime
// verification tests (and the e2e screenshot): `node test/support/prometheus-fixture.mjs SPEC`.
//
// SPEC (JSON): { "jobs": { "risk": { "routes": { "/score": 4.0 }, "gauges": { "replica_lag_seconds": 12 } } } }
// Every job is served by one HTTP service (prom-client, a registry per job at /metrics/<job>)
// that Prometheus (Debian's `prometheus`, or PROMETHEUS_BIN) scrapes every second as
// job=<job>. Each route's histogram `http_server_request_duration_seconds{http_route=<route>}`
// receives, ten times a second, a batch of 100 observations whose p95 is exactly the value given
// (in seconds): 50 at 0.4·p, 40 at 0.7·p, 5 at p, 5 at 1.5·p, with bucket boundaries that make
// histogram_quantile(0.95, …) interpolate to p (every bucket counter stays proportional to the
// batch, so rate() over any range keeps the ratios). p50 reads 0.5·p, p99 1.8·p. Every
// observation has `http_response_status_code`: 200, or 500 for the first N of the fast 50 of a
// route named in "errors": { "/score": 3 } (N per 100 requests: the route's availability is
// exactly (100 − N) %, its latencies unchanged).
//
// Prints one JSON line when Prometheus has scraped every job eight times:
//   { "prometheus": "http://127.0.0.1:PORT", "service": "http://127.0.0.1:PORT",
//     "prometheusPid": N, "dir": "/tmp/…" }
// and runs until SIGTERM/SIGINT (it then stops Prometheus and removes its folder).
// Exit code 3 (with a message on stderr) when no Prometheus binary is installed.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import client from 'prom-client';

/** The Prometheus binary: PROMETHEUS_BIN, else `prometheus` on the PATH; undefined when absent. */
export function prometheusBinary() {
  const candidates = [
    process.env.PROMETHEUS_BIN,
    'prometheus',
    '/usr/bin/prometheus',
  ];
  for (const bin of candidates.filter(Boolean)) {
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return bin;
  }
  return undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const BATCH = [
  [0.4, 50],
  [0.7, 40],
  [1, 5],
  [1.5, 5],
];

function startService(spec) {
  const registries = new Map();
  const feeds = [];
  for (const [job, conf] of Object.entries(spec.jobs ?? {})) {
    const registry = new client.Registry();
    const routes = Object.entries(conf.routes ?? {});
    const bounds = new Set();
    for (const [, p] of routes) {
      for (const f of [0.5, 0.8, 1, 2, 4])
        bounds.add(Math.round(p * f * 1e6) / 1e6);
    }
    if (routes.length) {
      const histogram = new client.Histogram({
        name: 'http_server_request_duration_seconds',
        help: 'Duration of HTTP server requests (OpenTelemetry http.server.request.duration).',
        labelNames: ['http_route', 'http_response_status_code'],
        buckets: [...bounds].sort((a, b) => a - b),
        registers: [registry],
      });
      feeds.push(() => {
        for (const [route, p] of routes) {
          let errors = conf.errors?.[route] ?? 0;
          for (const [factor, count] of BATCH) {
            for (let i = 0; i < count; i++) {
              const failed = factor === BATCH[0][0] && errors-- > 0;
              histogram.observe(
                {
                  http_route: route,
                  http_response_status_code: failed ? '500' : '200',
                },
                p * factor,
              );
            }
          }
        }
      });
    }
    for (const [name, value] of Object.entries(conf.gauges ?? {})) {
      const gauge = new client.Gauge({
        name,
        help: `${name} (fixture)`,
        registers: [registry],
      });
      gauge.set(value);
    }
    registries.set(job, registry);
  }
  const feed = () => feeds.forEach(f => f());
  feed();
  const timer = setInterval(feed, 100);
  const server = http.createServer(async (req, res) => {
    const job = /^\/metrics\/([^/?]+)/.exec(req.url ?? '')?.[1];
    const registry = job && registries.get(decodeURIComponent(job));
    if (!registry) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': registry.contentType });
    res.end(await registry.metrics());
  });
  return { server, stop: () => clearInterval(timer) };
}

async function waitForScrapes(url, jobs, deadline) {
  while (Date.now() < deadline) {
    try {
      // eight scrapes: a subquery or a sparkline at a step of a few seconds (aligned to
      // multiples of the step) then finds samples at its last point, even on a loaded machine
      const q = `count_over_time(up[1m]) >= 8`;
      const r = await fetch(
        `${url}/api/v1/query?query=${encodeURIComponent(q)}`,
      );
      const body = await r.json();
      const ready = new Set((body.data?.result ?? []).map(s => s.metric.job));
      if (jobs.every(j => ready.has(j))) return;
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 250));
  }
  throw new Error('Prometheus did not scrape the fixture service in time');
}

async function main() {
  const spec = JSON.parse(process.argv[2] ?? '{"jobs":{}}');
  const bin = prometheusBinary();
  if (!bin) {
    process.stderr.write(
      "prometheus-fixture: no Prometheus binary (install Debian's `prometheus` package, or set PROMETHEUS_BIN)\n",
    );
    process.exit(3);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'contracts-prometheus-'));
  const { server, stop } = startService(spec);
  const servicePort = await new Promise(resolve =>
    server.listen(0, '127.0.0.1', () => resolve(server.address().port)),
  );
  const promPort = await freePort();
  const jobs = Object.keys(spec.jobs ?? {});
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    ...jobs.flatMap(job => [
      `  - job_name: ${JSON.stringify(job)}`,
      `    metrics_path: ${JSON.stringify(
        `/metrics/${encodeURIComponent(job)}`,
      )}`,
      '    static_configs:',
      `      - targets: ['127.0.0.1:${servicePort}']`,
    ]),
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), `${config}\n`);
  const prometheus = spawn(
    bin,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  prometheus.stderr.on('data', d => {
    log = (log + d).slice(-4000);
  });
  let exiting = false;
  const cleanup = () => {
    if (exiting) return;
    exiting = true;
    stop();
    server.close();
    if (prometheus.exitCode === null) prometheus.kill('SIGTERM');
    const done = () => {
      fs.rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    };
    if (prometheus.exitCode !== null) done();
    else {
      prometheus.once('exit', done);
      setTimeout(() => {
        prometheus.kill('SIGKILL');
        done();
      }, 3000).unref();
    }
  };
  process.on('SIGTERM', cleanup);
  process.on('SIGINT', cleanup);
  // a parent that dies closes our stdin: go with it
  process.stdin.on('end', cleanup);
  process.stdin.resume();
  const url = `http://127.0.0.1:${promPort}`;
  try {
    await waitForScrapes(url, jobs, Date.now() + 60_000);
  } catch (error) {
    process.stderr.write(`prometheus-fixture: ${error.message}\n${log}\n`);
    cleanup();
    return;
  }
  process.stdout.write(
    `${JSON.stringify({
      prometheus: url,
      service: `http://127.0.0.1:${servicePort}`,
      prometheusPid: prometheus.pid,
      dir,
    })}\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch(error => {
    process.stderr.write(`prometheus-fixture: ${error.stack ?? error}\n`);
    process.exit(1);
  });
}
