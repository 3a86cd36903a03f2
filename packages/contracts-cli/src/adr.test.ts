import type { ContractsReport } from '@backstage-contracts/plugin-contracts-common';
import {
  copyExamples,
  resolveFreshness,
  resolveIdempotency,
  resolveLatency,
  run,
  tmpDir,
  writeTree,
} from './__testUtils__/testing';

/** An ADR file as the portal exports it (plugins/contracts-backend: GET /decisions/:id/adr). */
function adr(meta: Record<string, string | undefined>, title = 'A decision') {
  const lines = Object.entries(meta)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}`);
  return `---\n${lines.join('\n')}\n---\n\n# ${title}\n\n## Decision Outcome\n\nChosen option: "x", because y\n`;
}

describe('contracts check --decisions DIR (MADR files)', () => {
  const now = Date.parse('2027-06-01T00:00:00Z');

  async function setup() {
    const copy = copyExamples();
    resolveLatency(copy);
    resolveFreshness(copy);
    resolveIdempotency(copy);
    const first = JSON.parse(
      (await run(['check', copy, '--format', 'json'])).stdout,
    ) as ContractsReport;
    const tradeoff = first.findings.find(f => f.rule === 'access-policy')!;
    return { copy, tradeoff };
  }

  it('an accepted record in the folder accepts its trade-off; proposed, superseded, stale or expired ones do not', async () => {
    const { copy, tradeoff } = await setup();
    const meta = (extra: Record<string, string | undefined>) => ({
      status: 'accepted',
      date: '2026-12-06',
      'decision-makers': '[group:default/security-team]',
      finding: `"access-policy: ${tradeoff.consumer} → ${tradeoff.provider}"`,
      fingerprint: tradeoff.id,
      'evidence-hash': tradeoff.evidence,
      'review-by': '2030-01-01',
      ...extra,
    });
    const dir = tmpDir();
    const cases: Array<[string, Record<string, string | undefined>, number, string]> = [
      ['accepted', {}, 0, 'accepted'],
      ['proposed', { status: 'proposed' }, 1, 'open'],
      ['superseded', { status: 'superseded by ADR-0002' }, 1, 'open'],
      ['stale', { 'evidence-hash': 'other' }, 1, 'needs-review'],
      ['expired', { 'review-by': '2027-01-01' }, 1, 'needs-review'],
      ['no review date', { 'review-by': undefined }, 0, 'accepted'],
    ];
    for (const [what, extra, code, status] of cases) {
      const folder = writeTree(tmpDir(), {
        // an ADR written by hand, without our keys, and other files are left alone
        '0001-use-postgresql.md': '---\nstatus: accepted\ndate: 2026-01-01\n---\n# Use PostgreSQL\n',
        '0002-no-front-matter.md': '# Plain\n\nStatus: accepted\n',
        'README.md': '---\nfingerprint: [broken\n---\n',
        '0007-support-reads-a-summary.md': adr(meta(extra)),
      });
      const result = await run(
        ['check', copy, '--decisions', folder, '--fail-on', 'tradeoff', '--format', 'json'],
        { cwd: dir, now },
      );
      expect({ what, stderr: result.stderr }).toEqual({ what, stderr: '' });
      const finding = (JSON.parse(result.stdout) as ContractsReport).findings.find(
        f => f.id === tradeoff.id,
      );
      expect({ what, code: result.code, status: finding?.status }).toEqual({
        what,
        code,
        status,
      });
    }
  });

  it('a malformed record of ours is a usage error at its file, line and column', async () => {
    const { copy, tradeoff } = await setup();
    const folder = writeTree(tmpDir(), {
      '0001-missing-hash.md': adr({
        status: 'accepted',
        date: '2026-12-06',
        fingerprint: tradeoff.id,
      }),
    });
    const missing = await run(['check', copy, '--decisions', folder]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      `contracts: --decisions ${folder}/0001-missing-hash.md:2:1: front matter evidence-hash: expected a string, got nothing\n`,
    );
    writeTree(folder, {
      '0001-missing-hash.md': adr({
        status: 'accepted',
        date: '2026-12-06',
        fingerprint: tradeoff.id,
        'evidence-hash': tradeoff.evidence,
        'review-by': 'soon',
      }),
    });
    const date = await run(['check', copy, '--decisions', folder]);
    expect(date.code).toBe(2);
    expect(date.stderr).toContain(
      `${folder}/0001-missing-hash.md:6:12: front matter review-by: expected a date such as 2026-12-31, got "soon"`,
    );
    writeTree(folder, {
      '0001-missing-hash.md': '---\nstatus: accepted\nfingerprint: [x\n---\n',
    });
    const yaml = await run(['check', copy, '--decisions', folder]);
    expect(yaml.code).toBe(2);
    expect(yaml.stderr).toMatch(
      /0001-missing-hash\.md:\d+:\d+: the front matter is not valid YAML/,
    );
  });
});
