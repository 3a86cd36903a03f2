/*
 * The caller's catalog read permission on every read route, through the real parts: the real
 * catalog backend (reading examples/all.yaml with the real contracts catalog module), the real
 * permission backend, and a restrictive policy that hides risk-team's entities from everyone
 * outside risk-team.
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import permissionPlugin from '@backstage/plugin-permission-backend';
import {
  type Finding,
  HIDDEN_ENTITY,
} from '@backstage-contracts/plugin-contracts-common';
import request from 'supertest';
import { contractsPlugin } from './plugin';
import { ownershipUserInfo } from './__testUtils__/contractsBackend';
import { giveMockUsersAnActor } from './__testUtils__/mockUserActor';
import { realExampleCatalog } from './__testUtils__/realCatalog';
import {
  BOB,
  GUEST,
  NOBODY,
  OWNERSHIP,
  RISK,
  RISK_TEAM,
  riskTeamOnlyPolicyModule as policyModule,
} from './__testUtils__/riskTeamOnlyPolicy';

jest.setTimeout(120_000);
giveMockUsersAnActor();

const as = (user: string) => ({
  Authorization: mockCredentials.user.header(user),
});

/**
 * Risk's contract values (its latencies, its endpoints, their PII and access levels), and its
 * ref where the response has no contract of the caller's own that names it: none may reach a
 * caller who cannot read risk.
 */
const RISK_VALUES = [
  '3200ms',
  '2800ms',
  '150ms',
  'pii',
  'risk_team_only',
  'fraud-signals-detailed',
  'fraud-score',
];
const leaked = (text: string, { ref = true } = {}) =>
  [...RISK_VALUES, ...(ref ? [RISK] : [])].filter(secret =>
    text.toLowerCase().includes(secret.toLowerCase()),
  );

describe('the caller’s catalog read permission, on the real backend', () => {
  let server: any;
  let latency: Finding;

  beforeAll(async () => {
    ({ server } = await startTestBackend({
      features: [
        contractsPlugin,
        ...realExampleCatalog.features,
        permissionPlugin,
        policyModule,
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            catalog: realExampleCatalog.config,
            contracts: {
              refreshIntervalSeconds: 0.2,
              deciders: { 'access-policy': ['group:default/security-team'] },
            },
          },
        }),
        ownershipUserInfo(OWNERSHIP),
      ],
    }));
    // the catalog ingests the example files, then the contracts graph reads them
    const end = Date.now() + 90_000;
    let findings: Finding[] = [];
    while (Date.now() < end) {
      const res = await request(server)
        .get('/api/contracts/findings')
        .set(as(BOB));
      findings = res.body.items ?? [];
      if (findings.length >= 5 && res.body.stale === false) break;
      await new Promise(r => setTimeout(r, 250));
    }
    const found = findings.find(f => f.rule === 'latency-budget');
    if (found?.provider !== RISK) {
      throw new Error(
        `the graph never showed checkout → risk's latency finding: ${JSON.stringify(
          findings,
        )}`,
      );
    }
    latency = found;
  });

  it('the catalog itself hides risk from the guest, and shows it to risk-team', async () => {
    const path = '/api/catalog/entities/by-name/component/default/risk';
    expect((await request(server).get(path).set(as(GUEST))).status).toBe(404);
    expect((await request(server).get(path).set(as(BOB))).status).toBe(200);
  });

  it('answers 404 for risk by name, exactly as for an unknown entity', async () => {
    const hidden = await request(server)
      .get('/api/contracts/entities/component/default/risk')
      .set(as(GUEST));
    const unknown = await request(server)
      .get('/api/contracts/entities/component/default/nope')
      .set(as(GUEST));
    expect(hidden.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(hidden.body.error).toEqual({
      ...unknown.body.error,
      message: unknown.body.error.message.replace('nope', 'risk'),
    });
    expect(leaked(hidden.text.replace(RISK, ''))).toEqual([]);
    const withCanAccept = await request(server)
      .get('/api/contracts/entities/component/default/risk?include=canAccept')
      .set(as(GUEST));
    expect(withCanAccept.status).toBe(404);
    const check = await request(server)
      .post('/api/contracts/check')
      .set(as(GUEST))
      .send({ entityRef: RISK, contract: 'service: risk\n' });
    expect(check.status).toBe(404);
  });

  it('shows the findings with risk as an entity the guest cannot see, without its values', async () => {
    const res = await request(server)
      .get('/api/contracts/findings')
      .set(as(GUEST));
    expect(res.status).toBe(200);
    expect(leaked(res.text)).toEqual([]);
    const items = res.body.items as Finding[];
    // checkout → risk: the latency finding, its provider hidden
    const shown = items.find(f => f.id === latency.id)!;
    expect(shown).toMatchObject({
      rule: 'latency-budget',
      consumer: 'component:default/checkout',
      provider: HIDDEN_ENTITY,
      hidden: ['provider'],
      actual: '',
      message: latency.title,
      resolutions: [],
    });
    // risk → orders: data freshness, its consumer hidden
    expect(items.find(f => f.rule === 'data-freshness')).toMatchObject({
      consumer: HIDDEN_ENTITY,
      provider: 'component:default/orders',
      hidden: ['consumer'],
      expected: '',
    });
    expect(
      items.find(f => f.rule === 'data-freshness')!.location,
    ).toBeUndefined();
    // the five that involve risk, none absent (each has a readable party), and checkout's drift
    // on payment (its committed discover report), which does not involve risk
    expect(items).toHaveLength(6);
    expect(items.filter(f => f.rule === 'contract-drift')).toEqual([
      expect.objectContaining({
        consumer: 'component:default/checkout',
        provider: 'component:default/payment',
      }),
    ]);
    // the counts are of what the guest sees
    const all = await request(server)
      .get('/api/contracts/findings')
      .set(as(BOB));
    expect(res.body.summary.entities).toBe(all.body.summary.entities - 1);
    expect(res.body.summary.contracts).toBe(all.body.summary.contracts - 1);
    expect(res.body.summary.edges).toBeLessThan(all.body.summary.edges);

    // filters do not tell what the guest may not see
    const byRisk = await request(server)
      .get(`/api/contracts/findings?entityRef=${RISK}`)
      .set(as(GUEST));
    expect(byRisk.body.items).toEqual([]);
    const byOwner = await request(server)
      .get(`/api/contracts/findings?owner=${RISK_TEAM}`)
      .set(as(GUEST));
    expect(byOwner.body.items).toEqual([]);
    expect(
      (
        await request(server)
          .get(`/api/contracts/findings?owner=${RISK_TEAM}`)
          .set(as(BOB))
      ).body.items.length,
    ).toBeGreaterThan(0);

    const one = await request(server)
      .get(`/api/contracts/findings/${latency.id}`)
      .set(as(GUEST));
    expect(one.status).toBe(200);
    expect(one.body.finding.provider).toBe(HIDDEN_ENTITY);
    expect(leaked(one.text)).toEqual([]);
    const auth = await request(server)
      .get(`/api/contracts/findings/${latency.id}/authorization`)
      .set(as(GUEST));
    expect(auth.body.accept).toBe(false);
    expect(leaked(auth.text)).toEqual([]);
  });

  it('serves checkout to the guest with its finding on risk redacted, and the cached body to risk-team', async () => {
    const guest = await request(server)
      .get('/api/contracts/entities/component/default/checkout')
      .set(as(GUEST));
    expect(guest.status).toBe(200);
    // checkout's own contract names risk (as its catalog entity does): only values are checked
    expect(leaked(guest.text, { ref: false })).toEqual([]);
    expect(
      guest.body.findings.find((f: Finding) => f.id === latency.id),
    ).toMatchObject({ provider: HIDDEN_ENTITY, actual: '' });
    const canAccept = await request(server)
      .get(
        '/api/contracts/entities/component/default/checkout?include=canAccept',
      )
      .set(as(GUEST));
    expect(leaked(canAccept.text, { ref: false })).toEqual([]);
    expect(
      canAccept.body.findings.find((f: Finding) => f.id === latency.id),
    ).toMatchObject({ provider: HIDDEN_ENTITY, canAccept: false });

    // risk-team's body (the shared, cached one) is whole, before and after the guest's
    const bob = await request(server)
      .get('/api/contracts/entities/component/default/checkout')
      .set(as(BOB))
      .set('Accept-Encoding', 'gzip');
    expect(bob.headers['content-encoding']).toBe('gzip');
    expect(bob.text).toContain('3200ms');
    expect(
      bob.body.findings.find((f: Finding) => f.id === latency.id).provider,
    ).toBe(RISK);
    const guestAgain = await request(server)
      .get('/api/contracts/entities/component/default/checkout')
      .set(as(GUEST));
    expect(leaked(guestAgain.text, { ref: false })).toEqual([]);
    const risk = await request(server)
      .get('/api/contracts/entities/component/default/risk')
      .set(as(BOB));
    expect(risk.status).toBe(200);
    expect(risk.text).toMatch(/pii/);
  });

  it('leaves risk out of the guest’s graph', async () => {
    const graph = await request(server)
      .get('/api/contracts/graph')
      .set(as(GUEST));
    expect(graph.status).toBe(200);
    expect(leaked(graph.text)).toEqual([]);
    const refs = graph.body.nodes.map((n: { ref: string }) => n.ref);
    expect(refs).toContain('component:default/checkout');
    expect(refs).not.toContain(RISK);
    expect(
      graph.body.findings.find((f: Finding) => f.id === latency.id).provider,
    ).toBe(HIDDEN_ENTITY);
    const around = await request(server)
      .get(`/api/contracts/graph?around=${RISK}&depth=2`)
      .set(as(GUEST));
    const unknown = await request(server)
      .get('/api/contracts/graph?around=component:default/nope&depth=2')
      .set(as(GUEST));
    expect(around.body).toEqual(unknown.body);
    expect(around.body.nodes).toEqual([]);

    const bob = await request(server).get('/api/contracts/graph').set(as(BOB));
    expect(bob.body.nodes.map((n: { ref: string }) => n.ref)).toContain(RISK);
    expect(bob.body.edges.length).toBeGreaterThan(graph.body.edges.length);
  });

  it('checks proposals for the guest with risk redacted, and for risk-team in full', async () => {
    const proposal = {
      entityRef: 'component:default/checkout',
      contract: [
        'service: checkout',
        'depends_on:',
        '  - service: risk',
        '    operation: scoreTransaction',
        '    latency_budget: { acceptable: p95 < 100ms }',
        '    timeout: 6s',
        '',
      ].join('\n'),
    };
    const guest = await request(server)
      .post('/api/contracts/check')
      .set(as(GUEST))
      .send(proposal);
    expect(guest.status).toBe(200);
    // the proposal names risk itself: only values are checked
    expect(leaked(guest.text, { ref: false })).toEqual([]);
    const onRisk = (guest.body.findings as Finding[]).filter(
      f => f.rule === 'latency-budget',
    );
    expect(onRisk).toHaveLength(1);
    expect(onRisk[0]).toMatchObject({ provider: HIDDEN_ENTITY, actual: '' });
    const bob = await request(server)
      .post('/api/contracts/check')
      .set(as(BOB))
      .send(proposal);
    expect(bob.text).toContain('3200ms');
  });

  it('shows nothing to a caller who may read no entity', async () => {
    const findings = await request(server)
      .get('/api/contracts/findings')
      .set(as(NOBODY));
    expect(findings.status).toBe(200);
    expect(findings.body.items).toEqual([]);
    expect(findings.body.summary.entities).toBe(0);
    const graph = await request(server)
      .get('/api/contracts/graph')
      .set(as(NOBODY));
    expect(graph.body.nodes).toEqual([]);
    expect(graph.body.edges).toEqual([]);
    const checkout = await request(server)
      .get('/api/contracts/entities/component/default/checkout')
      .set(as(NOBODY));
    expect(checkout.status).toBe(404);
    expect(
      (
        await request(server)
          .get(`/api/contracts/findings/${latency.id}`)
          .set(as(NOBODY))
      ).status,
    ).toBe(404);
  });

  it('shows decisions with risk as an entity the caller cannot see, and none to who may read neither party', async () => {
    // risk-team records a decision on checkout → risk
    const recorded = await request(server)
      .post('/api/contracts/decisions')
      .set(as(BOB))
      .send({
        findingId: latency.id,
        title: 'Risk caches scores',
        decision: 'cache',
        rationale: 'fits the budget',
      });
    expect(recorded.status).toBe(201);
    const id = recorded.body.id;
    // the guest reads checkout: the record, with risk hidden
    for (const path of [
      `/api/contracts/decisions/${id}`,
      `/api/contracts/decisions?findingId=${latency.id}`,
      '/api/contracts/decisions/export',
    ]) {
      const res = await request(server).get(path).set(as(GUEST));
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(res.text).toContain(HIDDEN_ENTITY);
      expect(leaked(res.text)).toEqual([]);
    }
    const md = await request(server)
      .get(`/api/contracts/decisions/${id}/markdown`)
      .set(as(GUEST));
    expect(md.status).toBe(200);
    expect(leaked(md.text)).toEqual([]);
    // filtering by a hidden entity answers as for an unknown one
    const byRisk = await request(server)
      .get(`/api/contracts/decisions?entityRef=${RISK}`)
      .set(as(GUEST));
    expect(byRisk.body).toEqual({ items: [], total: 0 });
    // a caller who may read neither party: no record, 404 by id
    for (const path of [
      `/api/contracts/decisions/${id}`,
      `/api/contracts/decisions/${id}/markdown`,
    ]) {
      expect((await request(server).get(path).set(as(NOBODY))).status).toBe(
        404,
      );
    }
    const listed = await request(server)
      .get('/api/contracts/decisions')
      .set(as(NOBODY));
    expect(listed.body.items).toEqual([]);
    const exported = await request(server)
      .get('/api/contracts/decisions/export')
      .set(as(NOBODY));
    expect(exported.body.decisions).toEqual([]);
    // and risk-team sees its own record in full
    const own = await request(server)
      .get(`/api/contracts/decisions/${id}`)
      .set(as(BOB));
    expect(own.body.provider).toBe(RISK);
  });
  it('answers 404 to a caller denied an entity after others warmed its cached body, and never another class’s body', async () => {
    const checkout = '/api/contracts/entities/component/default/checkout';
    const risk = '/api/contracts/entities/component/default/risk';
    // risk-team (every entity readable) and the guest (risk hidden) warm their bodies
    const warm: Record<string, request.Response> = {};
    for (const [who, user] of [
      ['bob', BOB],
      ['guest', GUEST],
    ] as const) {
      for (const path of [checkout, risk]) {
        for (const encoding of ['gzip', 'identity']) {
          warm[`${who} ${path} ${encoding}`] = await request(server)
            .get(path)
            .set(as(user))
            .set('Accept-Encoding', encoding);
        }
      }
    }
    const bobRisk = warm[`bob ${risk} gzip`];
    expect(bobRisk.status).toBe(200);
    expect(bobRisk.text).toMatch(/pii/);
    for (const encoding of ['gzip', 'identity']) {
      // the guest: 404 for risk, even with risk-team's ETag, from the warm cache
      const hidden = await request(server)
        .get(risk)
        .set(as(GUEST))
        .set('Accept-Encoding', encoding)
        .set('If-None-Match', bobRisk.headers.etag);
      expect(hidden.status).toBe(404);
      expect(leaked(hidden.text.replace(RISK, ''))).toEqual([]);
      // checkout with risk-team's ETag: the guest's own (redacted) body, not a 304
      const guest = await request(server)
        .get(checkout)
        .set(as(GUEST))
        .set('Accept-Encoding', encoding)
        .set('If-None-Match', warm[`bob ${checkout} gzip`].headers.etag);
      expect(guest.status).toBe(200);
      expect(guest.headers.etag).not.toBe(
        warm[`bob ${checkout} gzip`].headers.etag,
      );
      expect(leaked(guest.text, { ref: false })).toEqual([]);
      expect(guest.body).toEqual(warm[`guest ${checkout} gzip`].body);
      // who may read no entity: 404 for both
      for (const path of [checkout, risk]) {
        const none = await request(server)
          .get(path)
          .set(as(NOBODY))
          .set('Accept-Encoding', encoding);
        expect({ path, status: none.status }).toEqual({ path, status: 404 });
      }
    }
    // risk-team's cached body is still whole, and unchanged by the others' requests
    const bob = await request(server)
      .get(checkout)
      .set(as(BOB))
      .set('Accept-Encoding', 'gzip');
    expect(bob.headers.etag).toBe(warm[`bob ${checkout} gzip`].headers.etag);
    expect(bob.text).toContain('3200ms');

    // the whole graph, served serialized to who may read every entity, shows each finding's
    // status as the finding itself does, before and after a new decision
    const statusesAgree = async () => {
      const graph = await request(server)
        .get('/api/contracts/graph')
        .set(as(BOB));
      const one = await request(server)
        .get(`/api/contracts/findings/${latency.id}`)
        .set(as(BOB));
      expect(graph.status).toBe(200);
      const inGraph = graph.body.findings.find(
        (f: Finding) => f.id === latency.id,
      );
      expect(inGraph).toEqual(one.body.finding);
      return inGraph;
    };
    await statusesAgree();

    // a new decision on checkout → risk: both bodies are built again with it, each as its
    // caller may see it
    const before = warm[`guest ${checkout} gzip`].body.decisionCount;
    const recorded = await request(server)
      .post('/api/contracts/decisions')
      .set(as(BOB))
      .send({
        findingId: latency.id,
        title: 'Risk answers from a warm cache',
        decision: 'cache',
        rationale: 'fits the budget',
      });
    expect(recorded.status).toBe(201);
    const bobAfter = await request(server).get(checkout).set(as(BOB));
    const guestAfter = await request(server).get(checkout).set(as(GUEST));
    expect(bobAfter.body.decisionCount).toBe(before + 1);
    expect(guestAfter.body.decisionCount).toBe(before + 1);
    const mine = (body: any) =>
      body.decisions.find((d: { id: string }) => d.id === recorded.body.id);
    expect(mine(bobAfter.body).provider).toBe(RISK);
    expect(mine(guestAfter.body).provider).toBe(HIDDEN_ENTITY);
    expect(leaked(guestAfter.text, { ref: false })).toEqual([]);
    await statusesAgree();
  });
});
