/*
 * Wording of messages and deciders on names and reasons nobody here wrote (issue 15, case 8).
 */
import { unknownDeciders } from './deciders';
import { capitalize, isClause } from './format';
import {
  contract,
  dataDep,
  dataset,
  endpoint,
  entity,
  essayCatalog,
  requires,
  run,
} from './testUtils';

function artistCatalog(owner?: string) {
  return run(
    [
      contract('www-artist', {
        requires: [
          requires(
            'profiles',
            'full_profile',
            'artist',
            'artists_see_their_own_profile_edits',
          ),
        ],
        dataDependencies: [
          dataDep('profiles', 'profile_edits', 1000, {
            freshnessRaw: '<1s',
            reason: 'artists_see_their_own_profile_edits',
          }),
        ],
      }),
      contract('profiles', {
        endpoints: [
          endpoint('/profile', {
            data: ['full_profile'],
            access: 'profiles_team_only',
            pii: 'high',
          }),
        ],
        datasets: [dataset('profile_edits', { freshness: { maxMs: 30_000 } })],
      }),
    ],
    {
      entities: [entity('www-artist', { owner }), entity('profiles')],
      config: {
        deciders: { 'access-policy': ['group:default/security-team'] },
      },
    },
  ).findings;
}

describe('wording', () => {
  it('leaves names that are identifiers as written at the start of a sentence', () => {
    const access = artistCatalog().find(f => f.rule === 'access-policy')!;
    expect(access.message).toContain(
      'Trade-off: www-artist workflow vs PII minimization',
    );
    expect(access.message).not.toContain('Www-artist');
    expect(capitalize('support workflow')).toBe('Support workflow');
    expect(capitalize('orders-db must')).toBe('orders-db must');
  });

  it('words a reason written as a sentence as one', () => {
    const fresh = artistCatalog().find(f => f.rule === 'data-freshness')!;
    expect(fresh.impact).toBe(
      'Not assured that artists see their own profile edits',
    );
    expect(fresh.message).toContain(
      'www-artist requires: <1s so that artists see their own profile edits',
    );
    const access = artistCatalog().find(f => f.rule === 'access-policy')!;
    expect(access.impact).toBe(
      'www-artist cannot get full_profile so that artists see their own profile edits without escalation',
    );
    expect(isClause('velocity fraud detection')).toBe(false);
    expect(isClause('dispute resolution')).toBe(false);
  });

  it('keeps the essay’s words', () => {
    const { findings } = run(essayCatalog().contracts, {
      entities: essayCatalog().entities,
    });
    const fresh = findings.find(f => f.rule === 'data-freshness')!;
    expect(fresh.message).toContain(
      'risk requires: <10s for velocity fraud detection',
    );
    expect(fresh.message).toContain(
      'Impact: Velocity fraud detection unreliable (false negatives)',
    );
    const access = findings.find(f => f.rule === 'access-policy')!;
    expect(access.message).toContain(
      'Trade-off: Support workflow vs PII minimization',
    );
  });

  it('names a user owner once, as the catalog names it', () => {
    const access = artistCatalog('user:default/jdoe').find(
      f => f.rule === 'access-policy',
    )!;
    expect(access.deciders).toEqual([
      'group:default/security-team',
      'user:default/jdoe',
      'group:default/profiles-team',
    ]);
    expect(access.message).toContain(
      'Decision required: Security + Jdoe + Profiles',
    );
  });

  it('flags configured decider groups that the catalog lacks, as problems', () => {
    const known = new Set(['group:default/security-team']);
    expect(
      unknownDeciders(
        {
          deciders: {
            'access-policy': [
              'group:default/security-team',
              'group:default/privacy-team',
            ],
          },
        },
        ref => known.has(ref),
        'app-config.yaml',
      ),
    ).toEqual([
      {
        entity: 'group:default/privacy-team',
        file: 'app-config.yaml',
        path: 'deciders.access-policy[1]',
        message:
          'the decider `group:default/privacy-team` configured for `access-policy` is not in the catalog: nobody can sign for it, so no access-policy trade-off can be accepted (a typo, or a group renamed or removed?)',
      },
    ]);
  });
});
