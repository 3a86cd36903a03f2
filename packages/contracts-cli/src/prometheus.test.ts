import net from 'node:net';
// test-only: the real-Prometheus fixture the backend's tests use too
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import {
  describeWithPrometheus,
  type RunningFixture,
  startPrometheusFixture,
} from '../../../plugins/contracts-backend/src/runtime/__testUtils__/prometheusFixture';
import { copyExamples, run } from './__testUtils__/testing';

jest.setTimeout(120_000);

describeWithPrometheus('contracts check --prometheus', () => {
  let fixture: RunningFixture;
  beforeAll(async () => {
    fixture = await startPrometheusFixture({
      jobs: {
        risk: { routes: { '/score': 4.0 } },
        checkout: { routes: { '/checkout': 0.3 } },
        orders: { gauges: { pg_replication_lag_seconds: 45 } },
      },
    });
  });
  afterAll(async () => {
    await fixture?.stop();
  });

  it("measures the example catalog's bindings: risk's p95 drifted from 3200ms to 4000ms, orders keeps its 60s max", async () => {
    const dir = copyExamples();
    const { code, stdout, stderr } = await run([
      'check',
      dir,
      '--format',
      'json',
      '--prometheus',
      fixture.prometheus,
      '--prometheus-window',
      '1m',
      '--prometheus-step',
      '4s',
    ]);
    expect(stderr).toContain(
      `prometheus: 5 measurements over 1 min from ${fixture.prometheus}\n`,
    );
    const report = JSON.parse(stdout);
    expect(report.problems).toEqual([]);
    const drift = report.findings.filter(
      (f: any) => f.rule === 'promise-drift' && f.severity === 'warning',
    );
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({
      consumer: 'component:default/risk',
      subject: 'scoreTransaction (p95 latency)',
      expected: 'p95 3200ms (declared)',
      actual: 'p95 4000ms (observed over 1m)',
    });
    expect(drift[0].message).toContain(
      'risk promises p95 3200ms; Prometheus measured 4000ms over 1 min',
    );
    // the fixture's p50 reads 2000ms (its buckets): better than the declared 2800ms, an info
    expect(
      report.findings.find(
        (f: any) => f.subject === 'scoreTransaction (p50 latency)',
      ),
    ).toMatchObject({ rule: 'promise-drift', severity: 'info' });
    // the essay's findings stay as they were: the declared values are what they compare
    for (const rule of [
      'latency-budget',
      'data-freshness',
      'idempotency-key',
      'access-policy',
    ]) {
      expect(report.findings.some((f: any) => f.rule === rule)).toBe(true);
    }
    expect(code).toBe(1);
  });

  it('a binding whose measurement fails is a problem at the binding, never a pass', async () => {
    const dir = copyExamples();
    const closed = await new Promise<number>(resolve => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const { stdout, stderr } = await run([
      'check',
      dir,
      '--format',
      'json',
      '--fail-on',
      'never',
      '--prometheus',
      `http://127.0.0.1:${closed}`,
    ]);
    expect(stderr).toMatch(
      /5 measurements .*; 5 failed \(reported as problems\)/,
    );
    const report = JSON.parse(stdout);
    const risk = report.problems.find((p: any) => p.entity.endsWith('/risk'));
    expect(risk).toMatchObject({
      file: 'contracts/metrics.yaml',
      line: 10,
      path: 'provides[0].latency.metric',
    });
    expect(risk.message).toMatch(
      /the measurement of scoreTransaction p50 is failing: Prometheus at http:\/\/127\.0\.0\.1:\d+ is unreachable: ECONNREFUSED/,
    );
    expect(report.findings.some((f: any) => f.rule === 'promise-drift')).toBe(
      false,
    );
  });
});

describe('contracts check --prometheus, bad usage', () => {
  it('says which option is wrong', async () => {
    const dir = copyExamples();
    const bad = await run(['check', dir, '--prometheus', 'not a url']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--prometheus: "not a url" is not a URL');
    const window = await run([
      'check',
      dir,
      '--prometheus',
      'http://127.0.0.1:9',
      '--prometheus-window',
      'a week',
    ]);
    expect(window.code).toBe(2);
    expect(window.stderr).toContain('--prometheus-window: expected a duration');
  });
});
