import type { EntityContract, ProvidedDataset } from '../../types';
import {
  contract,
  dataDep,
  dataset,
  endpoint,
  essayCatalog,
  findingsOf,
  requires,
  run,
} from '../testUtils';

const rule = 'data-use-path';

function restricted(
  name: string,
  extra: Partial<ProvidedDataset>,
  derivedFrom?: Array<[string, string]>,
): ProvidedDataset {
  return { ...dataset(name, { derivedFrom }), ...extra };
}

/** risk's signals feed analytics' profiles, which support reads. */
function catalog(
  parts: {
    risk?: Partial<EntityContract>;
    analytics?: Partial<EntityContract>;
    support?: Partial<EntityContract>;
  } = {},
) {
  return [
    contract('risk', {
      datasets: [
        restricted('fraud_signals', {
          pii: 'high',
          access: 'risk_team_only',
          allowedUse: ['fraud_detection', 'model_training'],
        }),
      ],
      ...parts.risk,
    }),
    contract('analytics', {
      datasets: [
        restricted('customer_risk_profiles', { access: 'support_tier_2' }, [
          ['risk', 'fraud_signals'],
        ]),
      ],
      ...parts.analytics,
    }),
    contract('support', {
      requires: [
        requires(
          'analytics',
          'customer_risk_profiles',
          'support_tier_2',
          'dispute_resolution',
        ),
      ],
      ...parts.support,
    }),
  ];
}

describe('data-use-path', () => {
  it('follows restricted data across hops to a receiver its origin does not allow', () => {
    const findings = findingsOf(rule, catalog());
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f).toMatchObject({
      severity: 'tradeoff',
      consumer: 'component:default/support',
      provider: 'component:default/risk',
      subject: 'customer_risk_profiles',
      expected:
        'fraud_signals for fraud detection, model training only, to risk_team_only',
      chain: [
        'component:default/support',
        'component:default/analytics',
        'component:default/risk',
      ],
    });
    expect(f.message).toContain(
      'carried from: risk fraud_signals → analytics customer_risk_profiles',
    );
    expect(f.message).toContain(
      "Trade-off: Support dispute resolution vs risk's restrictions on fraud_signals",
    );
    // the origin's owners decide, with the receiver's
    expect(f.deciders).toEqual(
      expect.arrayContaining([
        'group:default/support-team',
        'group:default/risk-team',
      ]),
    );
    expect(f.resolutions[0]).toMatch(
      /^analytics: Minimize what customer_risk_profiles takes from fraud_signals/,
    );
  });

  it('reads data_dependencies with their reason as the use, through endpoints carrying the data', () => {
    const [f] = findingsOf(rule, [
      contract('risk', {
        endpoints: [
          endpoint('/fraud-signals', {
            data: ['fraud_signals'],
            access: 'risk_team_only',
            allowedUse: ['fraud_detection'],
          }),
        ],
      }),
      contract('analytics', {
        datasets: [
          dataset('profiles', { derivedFrom: [['risk', 'fraud_signals']] }),
        ],
      }),
      contract('marketing', {
        dataDependencies: [
          dataDep('analytics', 'profiles', 3_600_000, {
            reason: 'campaign_targeting',
          }),
        ],
      }),
    ]);
    expect(f).toMatchObject({
      consumer: 'component:default/marketing',
      provider: 'component:default/risk',
      subject: 'profiles',
    });
    expect(f.impact).toBe(
      "Marketing receives risk's /fraud-signals for campaign targeting, which risk does not allow",
    );
  });

  it('is silent when every receiver is allowed, or the data was minimized on the way', () => {
    // the use and the access are allowed
    expect(
      findingsOf(
        rule,
        catalog({
          risk: {
            datasets: [
              restricted('fraud_signals', {
                access: 'support_tier_2',
                allowedUse: ['fraud_detection', 'dispute_resolution'],
              }),
            ],
          },
        }),
      ),
    ).toEqual([]);
    // analytics declares its profiles free of personal data
    expect(
      findingsOf(
        rule,
        catalog({
          analytics: {
            datasets: [
              restricted('customer_risk_profiles', { pii: 'none' }, [
                ['risk', 'fraud_signals'],
              ]),
            ],
          },
        }),
      ),
    ).toEqual([]);
    // the essay: one hop to an endpoint is access-policy's, not this rule's
    const { entities, contracts } = essayCatalog();
    expect(
      run(contracts, { entities }).findings.filter(f => f.rule === rule),
    ).toEqual([]);
  });

  it('stops on cycles of derivation', () => {
    const findings = findingsOf(rule, [
      contract('a', {
        datasets: [restricted('x', { allowedUse: ['billing'] }, [['b', 'y']])],
      }),
      contract('b', {
        datasets: [dataset('y', { derivedFrom: [['a', 'x']] })],
      }),
      contract('c', {
        requires: [requires('b', 'y', undefined, 'marketing')],
      }),
    ]);
    expect(findings.map(f => [f.consumer, f.provider])).toEqual([
      ['component:default/c', 'component:default/a'],
    ]);
  });
});
