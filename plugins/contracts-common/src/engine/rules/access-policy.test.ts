import { contract, endpoint, findingsOf, requires } from '../testUtils';

const rule = 'access-policy';

describe('access-policy', () => {
  it('fires a trade-off when only restricted endpoints carry the need (returns fallback)', () => {
    const [f] = findingsOf(
      rule,
      [
        contract('support', {
          requires: [requires('risk', 'breakdown', 'support_tier_2')],
        }),
        contract('risk', {
          endpoints: [
            endpoint('/score', { returns: 'aggregate_only' }),
            endpoint('/detail', {
              returns: 'full_breakdown',
              access: 'risk_team_only',
              pii: 'high',
            }),
          ],
        }),
      ],
      { config: { deciders: { [rule]: ['group:default/security-team'] } } },
    );
    expect(f).toMatchObject({ severity: 'tradeoff', subject: 'breakdown' });
    expect(f.deciders).toEqual([
      'group:default/security-team',
      'group:default/support-team',
      'group:default/risk-team',
    ]);
    expect(f.message).toContain('Decision required: Security + Support + Risk');
  });

  it('fires when explicit data[] names the need only on restricted endpoints', () => {
    expect(
      findingsOf(rule, [
        contract('support', {
          requires: [requires('risk', 'signals', 'support_tier_2')],
        }),
        contract('risk', {
          endpoints: [
            endpoint('/a', { data: ['score'] }),
            endpoint('/b', { data: ['signals'], access: 'risk_team_only' }),
          ],
        }),
      ]),
    ).toHaveLength(1);
  });

  it('is silent when an endpoint carrying the need is open to the consumer', () => {
    for (const access of [undefined, 'any', 'support_tier_2']) {
      expect(
        findingsOf(rule, [
          contract('support', {
            requires: [requires('risk', 'signals', 'support_tier_2')],
          }),
          contract('risk', {
            endpoints: [
              endpoint('/b', { data: ['signals'], access: 'risk_team_only' }),
              endpoint('/c', { data: ['signals'], access }),
            ],
          }),
        ]),
      ).toEqual([]);
    }
  });
});
