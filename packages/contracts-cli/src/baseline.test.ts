import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type {
  ContractsReport,
  SarifLog,
} from '@backstage-contracts/plugin-contracts-common';
import {
  copyExamples,
  edit,
  resolveFreshness,
  resolveLatency,
  run,
  tmpDir,
  writeTree,
} from './__testUtils__/testing';
import type { BaselineFile } from './baseline';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

const validate = (() => {
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(schema);
})();

const SLA = 'risk/contracts/sla.yaml';

async function json(args: string[], cwd: string) {
  const result = await run([...args, '--format', 'json'], { cwd });
  return { ...result, report: JSON.parse(result.stdout) as ContractsReport };
}

describe('contracts baseline write / check --baseline', () => {
  it('freezes today: frozen findings pass, a new one fails, SARIF says which is which', async () => {
    const examples = copyExamples();
    const dir = path.dirname(examples);
    // today: the latency conflict is resolved, the three others stand
    resolveLatency(examples);
    const written = await run(['baseline', 'write', 'ci/baseline.json', 'examples'], {
      cwd: dir,
    });
    expect(written.stderr).toBe('');
    expect(written.code).toBe(0);
    expect(written.stdout).toMatch(/^Wrote ci\/baseline\.json: \d+ findings and 0 contract problems frozen/);
    const file = JSON.parse(
      fs.readFileSync(path.join(dir, 'ci/baseline.json'), 'utf8'),
    ) as BaselineFile;
    const today = await json(['check', 'examples'], dir);
    expect(today.code).toBe(1); // without the baseline the build fails on the old findings
    expect(file.findings.map(f => [f.fingerprint, f.evidence])).toEqual(
      today.report.findings
        .map(f => [f.id, f.evidence])
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
    expect(file.findings.some(f => f.rule === 'latency-budget')).toBe(false);

    const frozen = await run(['check', 'examples', '--baseline', 'ci/baseline.json'], {
      cwd: dir,
    });
    expect(frozen.stderr).toBe('');
    expect(frozen.code).toBe(0);
    expect(frozen.stdout).toContain(
      `Baseline ci/baseline.json: ${file.findings.length} unchanged (frozen, not shown), 0 new, 0 with changed evidence, 0 no longer found`,
    );
    expect(frozen.stdout).toContain('PASS: nothing new reaches --fail-on error');
    expect(frozen.stdout).not.toContain('data-freshness');

    // a change brings the latency conflict back: a new finding fails the build
    edit(
      path.join(examples, SLA),
      'current: p50=80ms, p95=150ms, p99=300ms',
      'current: p50=2800ms, p95=3200ms',
    );
    const added = await run(['check', 'examples', '--baseline', 'ci/baseline.json'], {
      cwd: dir,
    });
    expect(added.code).toBe(1);
    expect(added.stdout).toContain('FAIL: 1 new or changed finding reach --fail-on error');
    expect(added.stdout).toContain('latency-budget');
    expect(added.stdout).not.toContain('[data-freshness]');

    const sarif = await run(
      ['check', 'examples', '--baseline', 'ci/baseline.json', '--format', 'sarif'],
      { cwd: dir },
    );
    expect(sarif.code).toBe(1);
    const log = JSON.parse(sarif.stdout) as SarifLog;
    expect(validate(log)).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
    const states = log.runs[0].results
      .filter(r => r.ruleId !== 'contract-problem')
      .map(r => [r.ruleId, r.baselineState]);
    expect(states).toContainEqual(['latency-budget', 'new']);
    expect(states).toContainEqual(['data-freshness', 'unchanged']);
    // the old latency figures bring back the latency conflict and the timeout below its tail
    expect(states.filter(([, s]) => s === 'new').map(([r]) => r)).toEqual([
      'latency-budget',
      'timeout-below-tail',
    ]);
    expect(states.filter(([, s]) => s === 'unchanged')).toHaveLength(
      file.findings.length,
    );

    const withState = await json(['check', 'examples', '--baseline', 'ci/baseline.json'], dir);
    const latency = withState.report.findings.find(f => f.rule === 'latency-budget');
    expect(latency).toMatchObject({ baselineState: 'new' });
  });

  it('fails on a frozen finding whose evidence changed (updated), and reports gone ones as absent', async () => {
    const examples = copyExamples();
    const dir = path.dirname(examples);
    await run(['baseline', 'write', 'baseline.json', 'examples'], { cwd: dir });
    expect(
      (await run(['check', 'examples', '--baseline', 'baseline.json'], { cwd: dir })).code,
    ).toBe(0);

    // the latency conflict gets worse: same finding, other evidence
    edit(path.join(examples, SLA), 'p95=3200ms', 'p95=4100ms');
    // and the freshness conflict is resolved: absent
    resolveFreshness(examples);
    const changed = await run(['check', 'examples', '--baseline', 'baseline.json'], {
      cwd: dir,
    });
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/0 new, 2 with changed evidence, 1 no longer found/);
    expect(changed.stdout).toContain('p95 = 4100ms');

    const log = JSON.parse(
      (
        await run(['check', 'examples', '--baseline', 'baseline.json', '--format', 'sarif'], {
          cwd: dir,
        })
      ).stdout,
    ) as SarifLog;
    expect(validate(log)).toBe(true);
    const byRule = Object.fromEntries(
      log.runs[0].results.map(r => [r.ruleId, r.baselineState]),
    );
    expect(byRule['latency-budget']).toBe('updated');
    expect(byRule['data-freshness']).toBe('absent');
    expect(byRule['timeout-below-tail']).toBe('updated');
    expect(byRule['idempotency-key']).toBe('unchanged');
    const absent = log.runs[0].results.find(r => r.baselineState === 'absent')!;
    expect(absent.message.text).toContain('is no longer found');
    expect(absent.ruleId).toBe('data-freshness');
    expect(absent.locations[0].physicalLocation?.artifactLocation.uri).toMatch(
      /^examples\/risk\//,
    );

    // rewriting the baseline accepts today's state again; rewriting it unchanged changes nothing
    await run(['baseline', 'write', 'baseline.json', 'examples'], { cwd: dir });
    const once = fs.readFileSync(path.join(dir, 'baseline.json'), 'utf8');
    await run(['baseline', 'write', 'baseline.json', 'examples'], { cwd: dir });
    expect(fs.readFileSync(path.join(dir, 'baseline.json'), 'utf8')).toBe(once);
    expect(
      (await run(['check', 'examples', '--baseline', 'baseline.json'], { cwd: dir })).code,
    ).toBe(0);
  });

  it('a new contract problem fails; a frozen one does not', async () => {
    const examples = copyExamples();
    const dir = path.dirname(examples);
    edit(path.join(examples, SLA), 'current: p50=2800ms', 'current: p50=fast');
    await run(['baseline', 'write', 'baseline.json', 'examples'], { cwd: dir });
    const file = JSON.parse(fs.readFileSync(path.join(dir, 'baseline.json'), 'utf8'));
    expect(file.problems).toHaveLength(1);
    expect(
      (await run(['check', 'examples', '--baseline', 'baseline.json'], { cwd: dir })).code,
    ).toBe(0);
    edit(path.join(examples, 'orders/contracts/data.yaml'), /freshness: /, 'freshnes: ');
    const broken = await run(['check', 'examples', '--baseline', 'baseline.json'], {
      cwd: dir,
    });
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('1 new contract problem reach --fail-on error');
  });

  it('a baseline that cannot be read or is not one is a usage error naming the place', async () => {
    const examples = copyExamples();
    const dir = writeTree(path.dirname(examples), {
      'list.json': '[]',
      'bad.json': JSON.stringify({
        version: 1,
        findings: [{ fingerprint: 'a', evidence: 3, rule: 'x', severity: 'error' }],
      }),
      'severity.json': JSON.stringify({
        version: 1,
        findings: [{ fingerprint: 'a', evidence: 'e', rule: 'x', severity: 'fatal' }],
      }),
      'broken.json': '{"version": 1,',
    });
    const cases: Array<[string, string]> = [
      ['missing.json', '--baseline missing.json: cannot read it: no such file or directory'],
      ['list.json', '--baseline list.json: expected a baseline written by `contracts baseline write`'],
      ['bad.json', '--baseline bad.json: findings[0].evidence: expected a string, got number `3`'],
      ['severity.json', '--baseline severity.json: findings[0].severity: expected one of error, warning, tradeoff, info'],
      ['broken.json', '--baseline broken.json: not valid JSON'],
    ];
    for (const [name, message] of cases) {
      const result = await run(['check', 'examples', '--baseline', name], { cwd: dir });
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(message);
    }
    const nothing = await run(['baseline', 'write', 'x.json'], { cwd: tmpDir() });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('nothing to freeze');
  });
});
