import type { Finding } from '../types';
import {
  applyDecisions,
  decisionStatus,
  deriveDecisionStatus,
  type DecisionSignature,
  reviewDeadline,
} from './decisions';

const finding = (id: string, evidence: string): Finding =>
  ({ id, evidence, status: 'open', severity: 'tradeoff' } as Finding);

const accepted = (
  over: Partial<Parameters<typeof decisionStatus>[1][0]> = {},
) => ({
  id: 'd1',
  findingId: 'f1',
  evidenceHash: 'e1',
  status: 'accepted',
  title: 'Support sees the aggregate only',
  decision: 'keep PII minimal',
  ...over,
});

const NOW = Date.parse('2026-06-01T12:00:00Z');

describe('decisionStatus', () => {
  it('is open without a decision for the finding', () => {
    expect(decisionStatus(finding('f1', 'e1'), [], NOW)).toBe('open');
    expect(
      decisionStatus(finding('f1', 'e1'), [accepted({ findingId: 'f2' })], NOW),
    ).toBe('open');
  });

  it('is accepted on the same fingerprint and evidence before the review date', () => {
    expect(decisionStatus(finding('f1', 'e1'), [accepted()], NOW)).toBe(
      'accepted',
    );
    expect(
      decisionStatus(
        finding('f1', 'e1'),
        [accepted({ reviewBy: '2026-06-01' })],
        NOW,
      ),
    ).toBe('accepted');
  });

  it('needs review when the evidence changed or the review date passed', () => {
    expect(decisionStatus(finding('f1', 'e2'), [accepted()], NOW)).toBe(
      'needs-review',
    );
    expect(
      decisionStatus(
        finding('f1', 'e1'),
        [accepted({ reviewBy: '2026-05-31' })],
        NOW,
      ),
    ).toBe('needs-review');
    expect(
      decisionStatus(
        finding('f1', 'e1'),
        [accepted({ reviewBy: '2026-06-01T11:00:00Z' })],
        NOW,
      ),
    ).toBe('needs-review');
  });

  it('ignores decisions that are not accepted', () => {
    for (const status of ['proposed', 'rejected', 'superseded']) {
      expect(
        decisionStatus(finding('f1', 'e1'), [accepted({ status })], NOW),
      ).toBe('open');
    }
  });

  it('is accepted when any accepted decision still holds', () => {
    const decisions = [
      accepted({ id: 'old', evidenceHash: 'e0' }),
      accepted({ id: 'new', evidenceHash: 'e1' }),
    ];
    expect(decisionStatus(finding('f1', 'e1'), decisions, NOW)).toBe(
      'accepted',
    );
  });
});

describe('applyDecisions', () => {
  it('sets the status of each finding and leaves the input alone', () => {
    const findings = [
      finding('f1', 'e1'),
      finding('f2', 'e2'),
      finding('f3', 'x'),
    ];
    const out = applyDecisions(
      findings,
      [accepted(), accepted({ id: 'd3', findingId: 'f3', evidenceHash: 'y' })],
      new Date(NOW),
    );
    expect(out.map(f => f.status)).toEqual([
      'accepted',
      'open',
      'needs-review',
    ]);
    expect(findings.map(f => f.status)).toEqual(['open', 'open', 'open']);
  });
});

describe('reviewDeadline', () => {
  it('is the end of the day for a date, the instant for a date-time', () => {
    expect(reviewDeadline('2026-06-01')).toBe(
      Date.parse('2026-06-02T00:00:00Z'),
    );
    expect(reviewDeadline('2026-06-01T10:00:00Z')).toBe(
      Date.parse('2026-06-01T10:00:00Z'),
    );
    expect(reviewDeadline('next spring')).toBeUndefined();
  });
});

describe('deriveDecisionStatus', () => {
  const SEC = 'group:default/security-team';
  const SUP = 'group:default/support-team';
  const sig = (
    decider: string,
    verdict: 'accept' | 'reject',
    signedAt: string,
  ): DecisionSignature => ({
    decider,
    verdict,
    signedBy: 'user:default/x',
    signedAt,
  });

  it('is accepted only when every decider has signed an acceptance', () => {
    const deciders = [SEC, SUP];
    expect(deriveDecisionStatus({ deciders, signatures: [] })).toEqual({
      status: 'proposed',
      awaiting: deciders,
    });
    expect(
      deriveDecisionStatus({ deciders, signatures: [sig(SUP, 'accept', '1')] }),
    ).toEqual({ status: 'proposed', awaiting: [SEC] });
    expect(
      deriveDecisionStatus({
        deciders,
        // a decider matches whatever the case of its ref
        signatures: [
          sig(SUP, 'accept', '1'),
          sig(SEC.toUpperCase(), 'accept', '2'),
        ],
      }),
    ).toEqual({ status: 'accepted', awaiting: [] });
  });

  it("is rejected while any decider's latest verdict is a rejection", () => {
    const deciders = [SEC, SUP];
    const rejected = [sig(SUP, 'accept', '1'), sig(SEC, 'reject', '2')];
    expect(
      deriveDecisionStatus({ deciders, signatures: rejected }).status,
    ).toBe('rejected');
    expect(
      deriveDecisionStatus({
        deciders,
        signatures: [...rejected, sig(SEC, 'accept', '3')],
      }).status,
    ).toBe('accepted');
    // the latest by time, whatever the order given
    expect(
      deriveDecisionStatus({
        deciders,
        signatures: [sig(SEC, 'accept', '3'), ...rejected],
      }).status,
    ).toBe('accepted');
  });

  it('is never accepted without deciders; superseded and withdrawn win', () => {
    expect(deriveDecisionStatus({ deciders: [], signatures: [] }).status).toBe(
      'proposed',
    );
    const signatures = [sig(SEC, 'accept', '1')];
    expect(
      deriveDecisionStatus({ deciders: [SEC], signatures, superseded: true })
        .status,
    ).toBe('superseded');
    expect(
      deriveDecisionStatus({ deciders: [SEC], signatures, withdrawn: true })
        .status,
    ).toBe('withdrawn');
  });
});
