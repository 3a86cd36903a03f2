import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContractsReport } from '@backstage-contracts/plugin-contracts-common';
import {
  copyExamples,
  EXAMPLES,
  edit,
  resolveFreshness,
  resolveIdempotency,
  resolveLatency,
  run,
  tmpDir,
  writeTree,
} from './__testUtils__/testing';

const ESSAY = [
  [
    'latency-budget',
    'component:default/checkout',
    'component:default/risk',
    'error',
  ],
  [
    'data-freshness',
    'component:default/risk',
    'component:default/orders',
    'error',
  ],
  [
    'idempotency-key',
    'component:default/checkout',
    'component:default/risk',
    'error',
  ],
  [
    'access-policy',
    'component:default/support',
    'component:default/risk',
    'tradeoff',
  ],
];

const essayOf = (report: ContractsReport) =>
  report.findings
    .filter(f => ESSAY.some(([rule]) => rule === f.rule))
    .map(f => [f.rule, f.consumer, f.provider, f.severity]);

describe('contracts check on the example catalog', () => {
  it('reports the four discoveries in JSON, in the report shape, and exits 1', async () => {
    const { code, stdout, stderr } = await run([
      'check',
      EXAMPLES,
      '--format',
      'json',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as ContractsReport;
    expect(Object.keys(report)).toEqual([
      'version',
      'findings',
      'problems',
      'summary',
    ]);
    expect(report.version).toBe(1);
    expect(essayOf(report)).toEqual(expect.arrayContaining(ESSAY));
    expect(report.problems).toEqual([]);
    // the essay's four, and examples/marketing's three (issue 15: availability, data use)
    expect(report.summary.contracts).toBe(7);
    expect(
      report.findings
        .filter(f =>
          ['availability-composition', 'data-use-path'].includes(f.rule),
        )
        .map(f => [f.rule, f.consumer, f.provider, f.severity]),
    ).toEqual([
      [
        'availability-composition',
        'component:default/storefront',
        'component:default/campaigns',
        'error',
      ],
      [
        'data-use-path',
        'component:default/storefront',
        'component:default/loyalty',
        'tradeoff',
      ],
    ]);
    const latency = report.findings.find(f => f.rule === 'latency-budget')!;
    expect(latency).toMatchObject({
      status: 'open',
      subject: 'scoreTransaction',
      expected: 'p95 < 200ms',
      actual: 'p95 = 3200ms (current)',
      location: { file: 'contracts/dependencies.yaml', line: 8 },
    });
    expect(latency.id).toMatch(/\S/);
    expect(latency.evidence).toMatch(/\S/);
  });

  it('prints the findings in the essay form as text, without colour off a terminal', async () => {
    const { code, stdout } = await run(['check', EXAMPLES]);
    expect(code).toBe(1);
    expect(stdout).toContain(
      'ERROR: Latency contract violation\n  checkout expects: p95 < 200ms\n  risk provides: p95 = 3200ms (current)',
    );
    expect(stdout).toContain('ERROR: Data freshness violation');
    expect(stdout).toContain('ERROR: Idempotency contract violation');
    expect(stdout).toContain('TRADE-OFF: Data access policy conflict');
    expect(stdout).toContain('Status: BLOCKS_INTEGRATION');
    expect(stdout).toMatch(/FAIL: \d+ findings reach --fail-on error\n$/);
    expect(stdout).not.toContain('\u001b[');
  });

  it('writes the JSON report on one line to a file or pipe, indented on a terminal', async () => {
    const piped = await run(['check', EXAMPLES, '--format', 'json']);
    const shown = await run(['check', EXAMPLES, '--format', 'json'], {
      isTTY: true,
    });
    expect(piped.stdout.trimEnd()).not.toContain('\n');
    expect(shown.stdout).toContain('\n  "findings": [');
    expect(JSON.parse(piped.stdout)).toEqual(JSON.parse(shown.stdout));
  });

  it('colours text on a terminal, unless NO_COLOR', async () => {
    expect((await run(['check', EXAMPLES], { isTTY: true })).stdout).toContain(
      '\u001b[31;1mERROR: Latency contract violation',
    );
    expect(
      (await run(['check', EXAMPLES], { isTTY: true, env: { NO_COLOR: '1' } }))
        .stdout,
    ).not.toContain('\u001b[');
  });

  it('accepts a single catalog file and several PATHs', async () => {
    const { code, stdout } = await run([
      'check',
      path.join(EXAMPLES, 'checkout/catalog-info.yaml'),
      path.join(EXAMPLES, 'risk'),
      path.join(EXAMPLES, 'org.yaml'),
      '--format',
      'json',
      '--fail-on',
      'never',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as ContractsReport;
    expect(report.findings.map(f => f.rule)).toEqual(
      expect.arrayContaining(['latency-budget', 'idempotency-key']),
    );
    expect(report.summary.contracts).toBe(2);
  });
});

describe('exit codes', () => {
  it('still fails on the other errors when only the latency conflict is resolved', async () => {
    const copy = copyExamples();
    resolveLatency(copy);
    const { code, stdout } = await run(['check', copy, '--format', 'json']);
    const report = JSON.parse(stdout) as ContractsReport;
    expect(report.findings.filter(f => f.rule === 'latency-budget')).toEqual(
      [],
    );
    expect(report.findings.map(f => f.rule)).toEqual(
      expect.arrayContaining(['data-freshness', 'idempotency-key']),
    );
    expect(code).toBe(1);
  });

  it('exits 0 for --fail-on error when the blocking conflicts are resolved', async () => {
    const copy = copyExamples();
    resolveLatency(copy);
    resolveFreshness(copy);
    resolveIdempotency(copy);
    const json = await run(['check', copy, '--format', 'json']);
    const report = JSON.parse(json.stdout) as ContractsReport;
    expect(report.summary.findings.error).toBe(0);
    expect(report.problems).toEqual([]);
    expect(json.code).toBe(0);
    // the trade-off remains: it needs a decision
    expect((await run(['check', copy, '--fail-on', 'tradeoff'])).code).toBe(1);
    const text = await run(['check', copy]);
    expect(text.stdout).toContain('PASS: nothing reaches --fail-on error');
  });

  it('follows --fail-on', async () => {
    expect((await run(['check', EXAMPLES, '--fail-on', 'never'])).code).toBe(0);
    expect((await run(['check', EXAMPLES, '--fail-on', 'warning'])).code).toBe(
      1,
    );
  });
});

describe('broken contracts', () => {
  it('reports a problem and keeps the findings of the valid contracts', async () => {
    const copy = copyExamples();
    edit(
      path.join(copy, 'risk/contracts/sla.yaml'),
      'current: p50=2800ms, p95=3200ms',
      'current: p50=fast, p95=3200ms',
    );
    edit(
      path.join(copy, 'support/contracts/data-needs.yaml'),
      /$/,
      '\n  - [unclosed\n',
    );
    const { code, stdout } = await run([
      'check',
      copy,
      '--format',
      'json',
      '--fail-on',
      'never',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as ContractsReport;
    expect(report.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          entity: 'component:default/risk',
          file: 'contracts/sla.yaml',
          line: 6,
        }),
        expect.objectContaining({
          entity: 'component:default/support',
          file: 'contracts/data-needs.yaml',
        }),
      ]),
    );
    expect(report.findings.map(f => f.rule)).toEqual(
      expect.arrayContaining(['data-freshness', 'idempotency-key']),
    );
    // a problem counts as an error
    expect((await run(['check', copy])).code).toBe(1);
  });

  it('reports broken catalog YAML and unreadable contract refs as problems', async () => {
    const dir = writeTree(tmpDir(), {
      'broken.yaml': 'kind: Component\nmetadata: [unclosed\n',
      'svc/catalog-info.yaml': [
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        '  name: svc',
        '  annotations:',
        '    contracts.io/ref: dir:./missing',
        'spec: { owner: team-a }',
        '---',
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        '  name: web',
        '  annotations:',
        '    contracts.io/ref: url:https://example.com/contracts.yaml',
        '',
      ].join('\n'),
    });
    const { code, stdout } = await run(['check', '.', '--format', 'json'], {
      cwd: dir,
    });
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as ContractsReport;
    expect(report.problems).toEqual([
      expect.objectContaining({
        entity: 'component:default/svc',
        message: expect.stringContaining(
          'cannot read the contracts at `dir:./missing`',
        ),
      }),
      expect.objectContaining({
        entity: 'component:default/web',
        message: expect.stringContaining(
          'url locations are read by the catalog',
        ),
      }),
      expect.objectContaining({
        file: 'broken.yaml',
        line: 3,
        message: expect.stringMatching(/^not valid YAML: .*[^:]$/),
      }),
    ]);
  });
});

describe('entities the catalog would not hold (issue 15, cases 4 and 5)', () => {
  it('reports an entity Backstage rejects as a located problem, and does not analyse it', async () => {
    const dir = writeTree(tmpDir(), {
      'invalid-component.yaml': [
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        '  name: invalid component',
        '  annotations:',
        '    contracts.io/spec: |',
        '      depends_on:',
        '        - service: ok',
        '          operation: get',
        '          latency_budget: { acceptable: p95 < 100ms }',
        'spec: { type: service, lifecycle: production, owner: group:default/team }',
        '---',
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        '  name: ok',
        '  annotations:',
        '    contracts.io/spec: |',
        '      provides:',
        '        - operation: get',
        '          latency: { current: p95=900ms }',
        'spec: { type: service, lifecycle: production, owner: group:default/team }',
        '',
      ].join('\n'),
    });
    const { code, stdout } = await run(['check', '.', '--format', 'json'], {
      cwd: dir,
    });
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as ContractsReport;
    expect(report.problems).toEqual([
      {
        entity: 'component:default/invalid component',
        file: 'invalid-component.yaml',
        line: 1,
        path: 'metadata.name',
        message: expect.stringMatching(
          /^the catalog rejects this entity: "metadata.name" is not valid; .*found "invalid component"/,
        ),
      },
    ]);
    expect(report.findings).toEqual([]);
    expect(report.summary.entities).toBe(1);
  });

  it("leaves a Scaffolder template's skeleton alone, as the catalog never reads it (create-app's examples/template)", async () => {
    const dir = writeTree(tmpDir(), {
      'template/content/catalog-info.yaml': [
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        '  name: ${{ values.name | dump }}',
        'spec: { type: service, owner: user:guest, lifecycle: experimental }',
        '',
      ].join('\n'),
      'ok.yaml': [
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        '  name: ok',
        '  annotations:',
        '    contracts.io/spec: |',
        '      provides:',
        '        - operation: get',
        '          latency: { current: p95=900ms }',
        'spec: { type: service, lifecycle: production, owner: group:default/team }',
        '',
      ].join('\n'),
    });
    const { code, stdout } = await run(['check', '.', '--format', 'json'], {
      cwd: dir,
    });
    const report = JSON.parse(stdout) as ContractsReport;
    expect(report.problems).toEqual([]);
    expect(code).toBe(0);
    expect(report.summary.entities).toBe(1);
  });

  it('reports a contract annotation on a kind whose contracts are not read', async () => {
    const dir = writeTree(tmpDir(), {
      'domain.yaml': [
        'apiVersion: backstage.io/v1alpha1',
        'kind: Domain',
        'metadata:',
        '  name: payments',
        '  annotations:',
        '    contracts.io/ref: dir:./contracts',
        'spec: { owner: group:default/team }',
        '',
      ].join('\n'),
    });
    const { code, stdout } = await run(['check', '.', '--format', 'json'], {
      cwd: dir,
    });
    expect(code).toBe(1);
    expect((JSON.parse(stdout) as ContractsReport).problems).toEqual([
      {
        entity: 'domain:default/payments',
        file: 'domain.yaml',
        line: 1,
        path: 'metadata.annotations["contracts.io/ref"]',
        message: expect.stringMatching(/^a Domain carries no contract/),
      },
    ]);
  });
});

describe('configured deciders (issue 15, case 8)', () => {
  it('reports a decider group the catalog lacks, when the catalog read holds the groups', async () => {
    const dir = writeTree(tmpDir(), {
      'contracts.config.yaml':
        'deciders:\n  access-policy: [security-team, group:default/privacy-team]\n',
    });
    const withOrg = await run(['check', EXAMPLES, '--format', 'json'], {
      cwd: dir,
    });
    expect((JSON.parse(withOrg.stdout) as ContractsReport).problems).toEqual([
      {
        entity: 'group:default/privacy-team',
        path: 'deciders.access-policy[1]',
        message: expect.stringMatching(
          /^the decider `group:default\/privacy-team` configured for `access-policy` is not in the catalog/,
        ),
      },
    ]);
    // a few catalog files without the organization cannot tell
    const withoutOrg = await run(
      [
        'check',
        path.join(EXAMPLES, 'support'),
        path.join(EXAMPLES, 'risk'),
        '--format',
        'json',
      ],
      { cwd: dir },
    );
    expect((JSON.parse(withoutOrg.stdout) as ContractsReport).problems).toEqual(
      [],
    );
  });
});

describe('usage errors: one line, exit 2', () => {
  const oneLine = (stderr: string) => {
    expect(stderr).toMatch(/^contracts: [^\n]+\n$/);
  };

  it('on a path that does not exist', async () => {
    const { code, stderr } = await run(['check', 'no/such/folder']);
    expect(code).toBe(2);
    oneLine(stderr);
    expect(stderr).toContain(
      'cannot read no/such/folder: no such file or directory',
    );
  });

  it('on files that hold no entity, such as a contract document alone (issue 15, case 6)', async () => {
    const dir = writeTree(tmpDir(), {
      'sla.yaml': 'service: risk\nprovides:\n  - operation: scoreTransaction\n',
    });
    const { code, stdout, stderr } = await run([
      'check',
      path.join(dir, 'sla.yaml'),
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    oneLine(stderr);
    expect(stderr).toContain('sla.yaml, nothing to check');
    expect(stderr).toContain('contracts.io/ref');
  });

  it('on an unreadable file', async () => {
    const dir = tmpDir();
    fs.symlinkSync(
      path.join(dir, 'gone.yaml'),
      path.join(dir, 'dangling.yaml'),
    );
    const { code, stderr } = await run(['check', dir]);
    expect(code).toBe(2);
    oneLine(stderr);
    expect(stderr).toContain('dangling.yaml: no such file or directory');
  });

  it('on bad options', async () => {
    for (const args of [
      ['check', EXAMPLES, '--format', 'xml'],
      ['check', EXAMPLES, '--fail-on', 'sometimes'],
      ['check', EXAMPLES, '--formt', 'json'],
      ['check'],
      ['lint', EXAMPLES],
      ['diff', EXAMPLES],
      ['check', '--catalog-url', 'not a url'],
    ]) {
      const { code, stderr } = await run(args);
      expect({ args, code }).toEqual({ args, code: 2 });
      oneLine(stderr);
    }
  });

  it('on a malformed --config or --decisions', async () => {
    const dir = writeTree(tmpDir(), {
      'typo.yaml': 'rules:\n  latency-budgt: { severity: warning }\n',
      'severity.yaml': 'rules:\n  latency-budget: { severity: fatal }\n',
      'bound.json': '{"retryAmplificationBound": "ten"}',
      'broken.yaml': 'rules: [',
      'decisions.json': '{"version": 1, "decisions": [{"findingId": 3}]}',
      'date.json':
        '{"version": 1, "decisions": [{"id":"d","findingId":"f","evidenceHash":"e","status":"accepted","reviewBy":"soon"}]}',
    });
    const cases: Array<[string[], string]> = [
      [['--config', 'typo.yaml'], 'did you mean `latency-budget`?'],
      [['--config', 'severity.yaml'], 'rules.latency-budget.severity'],
      [['--config', 'bound.json'], 'retryAmplificationBound'],
      [['--config', 'broken.yaml'], 'not valid YAML'],
      [['--config', 'missing.yaml'], 'cannot read it'],
      [['--decisions', 'decisions.json'], 'decisions[0].findingId'],
      [['--decisions', 'date.json'], 'decisions[0].reviewBy'],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await run(['check', EXAMPLES, ...args], {
        cwd: dir,
      });
      expect({ args, code }).toEqual({ args, code: 2 });
      oneLine(stderr);
      expect(stderr).toContain(message);
    }
  });

  it('prints help with examples, exit 0', async () => {
    const { code, stdout } = await run(['check', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain('--fail-on');
    expect(stdout).toContain('Exit codes:');
  });
});

describe('--config', () => {
  it('changes severities and disables rules', async () => {
    const dir = writeTree(tmpDir(), {
      'config.yaml': [
        'rules:',
        '  latency-budget: { severity: warning }',
        '  idempotency-key: { enabled: false }',
        'deciders:',
        '  access-policy: [security-team]',
      ].join('\n'),
    });
    const { stdout } = await run(
      ['check', EXAMPLES, '--config', 'config.yaml', '--format', 'json'],
      { cwd: dir },
    );
    const report = JSON.parse(stdout) as ContractsReport;
    expect(
      report.findings.find(f => f.rule === 'latency-budget')?.severity,
    ).toBe('warning');
    expect(report.findings.some(f => f.rule === 'idempotency-key')).toBe(false);
    expect(
      report.findings.find(f => f.rule === 'access-policy')?.deciders,
    ).toContain('group:default/security-team');
  });
});

describe('--decisions', () => {
  it('accepted trade-offs do not fail the build; changed evidence needs review', async () => {
    const copy = copyExamples();
    resolveLatency(copy);
    resolveFreshness(copy);
    resolveIdempotency(copy);
    const first = JSON.parse(
      (await run(['check', copy, '--format', 'json'])).stdout,
    ) as ContractsReport;
    const tradeoff = first.findings.find(f => f.rule === 'access-policy')!;
    const dir = writeTree(tmpDir(), {
      'decisions.json': JSON.stringify({
        version: 1,
        decisions: [
          {
            id: 'd-1',
            findingId: tradeoff.id,
            evidenceHash: tradeoff.evidence,
            status: 'accepted',
            reviewBy: '2030-01-01',
            title: 'Support sees the aggregate only',
            decision: 'Keep PII minimal; escalate disputes to risk',
          },
        ],
      }),
      'stale.json': JSON.stringify({
        version: 1,
        decisions: [
          {
            id: 'd-0',
            findingId: tradeoff.id,
            evidenceHash: 'other-evidence',
            status: 'accepted',
            title: 'old',
            decision: 'old',
          },
        ],
      }),
    });
    const now = Date.parse('2026-06-01T00:00:00Z');
    const accepted = await run(
      [
        'check',
        copy,
        '--decisions',
        'decisions.json',
        '--fail-on',
        'tradeoff',
        '--format',
        'json',
      ],
      { cwd: dir, now },
    );
    expect(accepted.code).toBe(0);
    expect(
      (JSON.parse(accepted.stdout) as ContractsReport).findings.find(
        f => f.id === tradeoff.id,
      )?.status,
    ).toBe('accepted');
    const stale = await run(
      [
        'check',
        copy,
        '--decisions',
        'stale.json',
        '--fail-on',
        'tradeoff',
        '--format',
        'json',
      ],
      { cwd: dir, now },
    );
    expect(stale.code).toBe(1);
    expect(
      (JSON.parse(stale.stdout) as ContractsReport).findings.find(
        f => f.id === tradeoff.id,
      )?.status,
    ).toBe('needs-review');
    const expired = await run(
      ['check', copy, '--decisions', 'decisions.json', '--fail-on', 'tradeoff'],
      { cwd: dir, now: Date.parse('2030-01-02T00:00:00Z') },
    );
    expect(expired.code).toBe(1);
    expect(expired.stdout).toContain('Decision: needs-review');
  });
});

describe('configuration discovery', () => {
  const accessFinding = (stdout: string) =>
    (JSON.parse(stdout) as ContractsReport).findings.find(
      f => f.rule === 'access-policy',
    )!;

  it('takes the contracts section of ./app-config.yaml when no --config is given', async () => {
    const dir = tmpDir();
    fs.writeFileSync(
      path.join(dir, 'app-config.yaml'),
      [
        'app:',
        '  title: x',
        'contracts:',
        '  refreshIntervalSeconds: 3',
        '  deciders:',
        '    access-policy: [group:default/product-team, security-team]',
      ].join('\n'),
    );
    const args = ['check', EXAMPLES, '--format', 'json', '--fail-on', 'never'];
    const withConfig = await run(args, { cwd: dir });
    expect(withConfig.stderr).toBe('');
    const access = accessFinding(withConfig.stdout);
    expect(access.deciders).toEqual(
      expect.arrayContaining([
        'group:default/product-team',
        'group:default/security-team',
      ]),
    );
    expect(access.message).toContain('Decision required: Product + Security');

    const without = await run(args, { cwd: tmpDir() });
    expect(accessFinding(without.stdout).deciders).not.toContain(
      'group:default/security-team',
    );
  });

  it('prefers ./contracts.config.yaml and reports its mistakes on one line', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'contracts.config.yaml'), 'rulez: {}\n');
    const { code, stderr } = await run(['check', EXAMPLES], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('did you mean `rules`');
  });
});
