import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SarifLog } from '@backstage-contracts/plugin-contracts-common';
import type { DiffReport } from './diff';
import {
  copyExamples,
  edit,
  resolveLatency,
  run,
  tmpDir,
  writeTree,
} from './__testUtils__/testing';

/** The provider raises its p95, and a new consumer of it appears. */
function makeHead(examples: string) {
  edit(
    path.join(examples, 'risk/contracts/sla.yaml'),
    'current: p50=2800ms, p95=3200ms',
    'current: p50=2900ms, p95=4500ms',
  );
  writeTree(examples, {
    'fraud-review/catalog-info.yaml': [
      'apiVersion: backstage.io/v1alpha1',
      'kind: Component',
      'metadata:',
      '  name: fraud-review',
      '  annotations:',
      '    contracts.io/ref: dir:./contracts',
      'spec:',
      '  type: service',
      '  lifecycle: experimental',
      '  owner: group:default/support-team',
      '  system: fraud-detection',
      '  dependsOn: [component:default/risk]',
      '',
    ].join('\n'),
    'fraud-review/contracts/dependencies.yaml': [
      'service: fraud-review',
      'depends_on:',
      '  - service: risk',
      '    operation: scoreTransaction',
      '    latency_budget:',
      '      acceptable: p95 < 1s',
      '    timeout: 5s',
      '',
    ].join('\n'),
  });
}

describe('contracts diff', () => {
  it('reports added, changed and removed findings by fingerprint, and exits 1', async () => {
    const base = copyExamples();
    const head = copyExamples();
    makeHead(head);
    const { code, stdout, stderr } = await run([
      'diff',
      '--base',
      base,
      '--head',
      head,
      '--format',
      'json',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    const diff = JSON.parse(stdout) as DiffReport;
    expect(Object.keys(diff)).toEqual(['version', 'added', 'removed', 'changed', 'problems']);
    expect(diff.added).toEqual([
      expect.objectContaining({
        rule: 'latency-budget',
        consumer: 'component:default/fraud-review',
        provider: 'component:default/risk',
        expected: 'p95 < 1s',
        actual: 'p95 = 4500ms (current)',
      }),
    ]);
    expect(diff.changed).toEqual(
      expect.arrayContaining([
        {
          before: expect.objectContaining({
            rule: 'latency-budget',
            consumer: 'component:default/checkout',
            actual: 'p95 = 3200ms (current)',
          }),
          after: expect.objectContaining({
            rule: 'latency-budget',
            consumer: 'component:default/checkout',
            actual: 'p95 = 4500ms (current)',
          }),
        },
      ]),
    );
    for (const c of diff.changed) expect(c.before.id).toBe(c.after.id);
    expect(diff.removed).toEqual([]);
    expect(diff.problems).toEqual([]);
  });

  it('groups changes by the team owning the provider, with the consumers affected', async () => {
    const base = copyExamples();
    const head = copyExamples();
    makeHead(head);
    const { code, stdout } = await run(['diff', '--base', base, '--head', head]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^contracts diff: 1 added, 0 removed, \d+ changed\n/);
    const team = stdout.indexOf('\ngroup:default/risk-team\n');
    expect(team).toBeGreaterThan(0);
    const added = stdout.indexOf('  + added', team);
    expect(added).toBeGreaterThan(team);
    expect(stdout.slice(added)).toMatch(
      /fraud-review expects: p95 < 1s[\s\S]*Affects: component:default\/fraud-review \(group:default\/support-team\)/,
    );
    expect(stdout).toContain(
      '  ~ changed: actual: p95 = 3200ms (current) → p95 = 4500ms (current)\n',
    );
    expect(stdout).toMatch(/FAIL: the head adds findings at or above --fail-on error\n$/);
  });

  it('says what changed in a changed finding, not a value that stayed (issue 15, case 7)', async () => {
    const base = copyExamples();
    const head = copyExamples();
    edit(
      path.join(head, 'checkout/contracts/dependencies.yaml'),
      'acceptable: p95 < 200ms',
      'acceptable: p95 < 500ms',
    );
    const { stdout } = await run(['diff', '--base', base, '--head', head]);
    expect(stdout).toContain(
      '  ~ changed: expected: p95 < 200ms → p95 < 500ms\n',
    );
    expect(stdout).not.toContain('was: error, p95 = 3200ms');
  });

  it('exits 0 when the head only removes findings, and honours --fail-on', async () => {
    const base = copyExamples();
    const head = copyExamples();
    resolveLatency(head);
    const { code, stdout } = await run([
      'diff', '--base', base, '--head', head, '--format', 'json',
    ]);
    const diff = JSON.parse(stdout) as DiffReport;
    expect(diff.added).toEqual([]);
    expect(diff.removed.map(f => f.rule)).toContain('latency-budget');
    expect(code).toBe(0);
    const worse = copyExamples();
    makeHead(worse);
    expect(
      (await run(['diff', '--base', base, '--head', worse, '--fail-on', 'never'])).code,
    ).toBe(0);
  });

  it('counts a new contract problem as an added error', async () => {
    const base = copyExamples();
    const head = copyExamples();
    edit(path.join(head, 'orders/contracts/data.yaml'), '60s max', 'a minute max');
    const { code, stdout } = await run(['diff', '--base', base, '--head', head, '--format', 'json']);
    expect(code).toBe(1);
    expect((JSON.parse(stdout) as DiffReport).problems).toEqual([
      expect.objectContaining({ entity: 'component:default/orders', file: 'contracts/data.yaml' }),
    ]);
  });

  it('writes SARIF with baseline states', async () => {
    const base = copyExamples();
    const head = copyExamples();
    makeHead(head);
    const { stdout } = await run(['diff', '--base', base, '--head', head, '--format', 'sarif']);
    const log = JSON.parse(stdout) as SarifLog;
    const states = log.runs[0].results.map(r => r.baselineState);
    expect(states).toContain('new');
    expect(states).toContain('updated');
    expect(states).toContain('unchanged');
    const added = log.runs[0].results.find(r => r.baselineState === 'new')!;
    expect(added.locations[0].physicalLocation?.artifactLocation.uri).toBe(
      'fraud-review/contracts/dependencies.yaml',
    );
  });

  it('reads the base from a git revision', async () => {
    const repo = tmpDir();
    fs.cpSync(copyExamples(), path.join(repo, 'examples'), { recursive: true });
    const git = (...args: string[]) => {
      const r = spawnSync(
        'git',
        ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args],
        { cwd: repo },
      );
      if (r.status !== 0) throw new Error(r.stderr.toString());
    };
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    makeHead(path.join(repo, 'examples'));
    const { code, stdout, stderr } = await run(
      ['diff', '--base', 'HEAD', 'examples', '--format', 'json'],
      { cwd: repo },
    );
    expect(stderr).toBe('');
    expect(code).toBe(1);
    const diff = JSON.parse(stdout) as DiffReport;
    expect(diff.added.map(f => f.consumer)).toEqual(['component:default/fraud-review']);

    const bad = await run(['diff', '--base', 'no-such-branch', 'examples'], { cwd: repo });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'contracts: --base no-such-branch is neither a path nor a git revision\n',
    );
  });
});
