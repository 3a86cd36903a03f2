import { mockCredentials } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import type { Finding } from '@backstage-contracts/plugin-contracts-common';
import request from 'supertest';
import {
  as,
  startContractsBackend,
  USERS,
} from './__testUtils__/contractsBackend';
import { loadExampleEntities } from './__testUtils__/exampleCatalog';
import { giveMockUsersAnActor } from './__testUtils__/mockUserActor';

jest.setTimeout(60_000);

giveMockUsersAnActor();

const { GUEST, BOB, SAM, CAROL } = USERS;

async function startBackend(entities: Entity[]) {
  return startContractsBackend({ entities });
}

async function eventually<T>(
  fn: () => Promise<T>,
  ok: (t: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (ok(value) || Date.now() > end) return value;
    await new Promise(r => setTimeout(r, 100));
  }
}

describe('contracts backend over HTTP', () => {
  let examples: Entity[];
  beforeAll(async () => {
    examples = await loadExampleEntities();
  });

  it('serves the four findings of the example catalog', async () => {
    const { server } = await startBackend(examples);
    const res = await request(server)
      .get('/api/contracts/findings')
      .set(as(GUEST));
    expect(res.status).toBe(200);
    expect(res.body.stale).toBe(false);
    const findings = res.body.items as Finding[];
    // the essay's four discoveries, the one warning the engine adds, and the drift of checkout's
    // committed discover report (examples/checkout/contracts/discovered.json): its code calls
    // payment, which its contract leaves out
    expect(
      findings
        .filter(f => f.severity !== 'warning' && f.rule !== 'contract-drift')
        .map(f => f.rule)
        .sort(),
    ).toEqual([
      'access-policy',
      'data-freshness',
      'idempotency-key',
      'latency-budget',
    ]);
    expect(findings.map(f => f.rule)).toContain('timeout-below-tail');
    expect(
      findings
        .filter(f => f.rule === 'contract-drift')
        .map(f => [f.severity, f.consumer, f.provider]),
    ).toEqual([
      ['info', 'component:default/checkout', 'component:default/payment'],
    ]);
    expect(findings).toHaveLength(6);
    expect(findings.every(f => f.status === 'open')).toBe(true);
    expect(res.body.version).toBe(1);
    expect(res.body.summary.findings.error).toBe(3);

    const entity = await request(server)
      .get('/api/contracts/entities/component/default/risk')
      .set(as(GUEST));
    expect(entity.status).toBe(200);
    expect(entity.body).toMatchObject({
      entityRef: 'component:default/risk',
      problems: [],
      decisions: [],
      stale: false,
    });
    expect(entity.body.contracts.operations.length).toBeGreaterThan(0);
    expect(entity.body.findings).toHaveLength(5);

    const graph = await request(server)
      .get('/api/contracts/graph?around=component:default/checkout&depth=1')
      .set(as(GUEST));
    expect(graph.status).toBe(200);
    expect(graph.body.nodes.map((n: { ref: string }) => n.ref)).toContain(
      'component:default/risk',
    );
    expect(graph.body.edges.length).toBeGreaterThan(0);

    const paged = await request(server)
      .get('/api/contracts/findings?limit=3')
      .set(as(GUEST));
    expect(paged.body.items).toHaveLength(3);
    const rest = await request(server)
      .get(`/api/contracts/findings?limit=3&cursor=${paged.body.nextCursor}`)
      .set(as(GUEST));
    expect(rest.body.items).toHaveLength(3);
    expect(rest.body.nextCursor).toBeUndefined();
  });

  it('rejects unauthenticated requests and bad input', async () => {
    const { server } = await startBackend(examples);
    const anon = await request(server)
      .get('/api/contracts/findings')
      .set('Authorization', mockCredentials.none.header());
    expect(anon.status).toBe(401);
    expect((await request(server).get('/api/contracts/health')).status).toBe(
      200,
    );
    const bad = await request(server)
      .get('/api/contracts/findings?severity=fatal')
      .set(as(GUEST));
    expect(bad.status).toBe(400);
    expect(bad.body.error.name).toBe('InputError');
    const missing = await request(server)
      .get('/api/contracts/entities/component/default/nope')
      .set(as(GUEST));
    expect(missing.status).toBe(404);
  });

  it('records, accepts and supersedes decisions; a changed contract needs review', async () => {
    const { server, catalog } = await startBackend(examples);
    const list = await request(server)
      .get('/api/contracts/findings')
      .set(as(GUEST));
    const byRule = (rule: string) =>
      (list.body.items as Finding[]).find(f => f.rule === rule)!;
    const access = byRule('access-policy'); // support ← risk: the guest's team is a party
    const latency = byRule('latency-budget'); // checkout → risk: the guest is no party
    // the plain entity response (served from its cached body from now on), with its ETag
    const before = await request(server)
      .get('/api/contracts/entities/component/default/risk')
      .set(as(GUEST));
    expect(before.type).toBe('application/json');
    expect(
      before.body.findings.find((f: Finding) => f.id === access.id).status,
    ).toBe('open');
    const unchanged = await request(server)
      .get('/api/contracts/entities/component/default/risk')
      .set(as(GUEST))
      .set('If-None-Match', before.headers.etag);
    expect(unchanged.status).toBe(304);

    // what the frontend asks: may the caller accept?
    const entity = await request(server)
      .get('/api/contracts/entities/component/default/risk?include=canAccept')
      .set(as(GUEST));
    expect(entity.body).toMatchObject({ entityRef: 'component:default/risk' });
    const canAccept = Object.fromEntries(
      (entity.body.findings as Array<Finding & { canAccept: boolean }>).map(
        f => [f.rule, f.canAccept],
      ),
    );
    expect(canAccept['access-policy']).toBe(true);
    expect(canAccept['latency-budget']).toBe(false);
    const auth = await request(server)
      .get(`/api/contracts/findings/${latency.id}/authorization`)
      .set(as(GUEST));
    expect(auth.body.accept).toBe(false);
    expect(auth.body.reason).toMatch(/owners/);

    const body = {
      title: 'Support reads the breakdown through risk',
      options: ['grant support_tier_2', 'summary endpoint'],
      decision: 'summary endpoint',
      rationale: 'keeps PII with the risk team',
      reviewBy: '2999-12-31',
    };
    // only parties may propose: the guest (support) is no party of checkout → risk
    const notParty = await request(server)
      .post('/api/contracts/decisions')
      .set(as(GUEST))
      .send({ ...body, findingId: latency.id });
    expect(notParty.status).toBe(403);
    const proposed = await request(server)
      .post('/api/contracts/decisions')
      .set(as(BOB))
      .send({ ...body, findingId: latency.id });
    expect(proposed.status).toBe(201);
    expect(proposed.body).toMatchObject({
      status: 'proposed',
      recordedBy: BOB,
    });

    // the support member accepts: support-team signs; security and risk have yet to
    const accepted = await request(server)
      .post('/api/contracts/decisions')
      .set(as(GUEST))
      .set('Idempotency-Key', 'k-1')
      .send({
        ...body,
        findingId: access.id,
        status: 'accepted',
        deciders: ['group:default/'], // forged: ignored, the deciders come from the finding
      });
    expect(accepted.status).toBe(201);
    expect(accepted.body).toMatchObject({
      status: 'proposed',
      deciders: access.deciders,
      awaiting: access.deciders!.filter(
        d => d !== 'group:default/support-team',
      ),
      signatures: [
        expect.objectContaining({
          decider: 'group:default/support-team',
          verdict: 'accept',
          signedBy: GUEST,
        }),
      ],
    });
    const retried = await request(server)
      .post('/api/contracts/decisions')
      .set(as(GUEST))
      .set('Idempotency-Key', 'k-1')
      .send({ ...body, findingId: access.id, status: 'accepted' });
    expect(retried.status).toBe(200);
    expect(retried.body.id).toBe(accepted.body.id);
    const reused = await request(server)
      .post('/api/contracts/decisions')
      .set(as(GUEST))
      .set('Idempotency-Key', 'k-1')
      .send({ ...body, findingId: access.id, status: 'rejected' });
    expect(reused.status).toBe(422);

    const status = async () =>
      (
        await request(server)
          .get(`/api/contracts/findings?rule=access-policy`)
          .set(as(GUEST))
      ).body.items[0]?.status;
    expect(await status()).toBe('open');
    const sign = (user: string, id: string, verdict: string) =>
      request(server)
        .post(`/api/contracts/decisions/${id}/signatures`)
        .set(as(user))
        .send({ verdict });
    // a non-decider cannot sign; each decider group signs for itself
    expect((await sign(CAROL, accepted.body.id, 'accept')).status).toBe(403);
    expect((await sign(BOB, accepted.body.id, 'accept')).body).toMatchObject({
      status: 'proposed',
      awaiting: ['group:default/security-team'],
    });
    expect(await status()).toBe('open');
    expect((await sign(SAM, accepted.body.id, 'accept')).body).toMatchObject({
      status: 'accepted',
      awaiting: [],
    });
    expect(await status()).toBe('accepted');
    // the entity endpoint (its body cached before the decision) says the same
    const entityStatus = async () => {
      const res = await request(server)
        .get('/api/contracts/entities/component/default/risk')
        .set(as(GUEST));
      return res.body.findings.find((f: Finding) => f.id === access.id)?.status;
    };
    expect(await entityStatus()).toBe('accepted');

    // supersede: a new record, the old one marked superseded; the new one needs signatures
    const superseding = await request(server)
      .post(`/api/contracts/decisions/${accepted.body.id}/supersede`)
      .set(as(GUEST))
      .send({ ...body, decision: 'grant support_tier_2', status: 'accepted' });
    expect(superseding.status).toBe(201);
    expect(superseding.body).toMatchObject({
      supersedes: accepted.body.id,
      status: 'proposed',
    });
    const old = await request(server)
      .get(`/api/contracts/decisions/${accepted.body.id}`)
      .set(as(GUEST));
    expect(old.body).toMatchObject({
      status: 'superseded',
      supersededBy: superseding.body.id,
    });
    expect(await status()).toBe('open');
    const again = await request(server)
      .post(`/api/contracts/decisions/${accepted.body.id}/supersede`)
      .set(as(GUEST))
      .send(body);
    expect(again.status).toBe(409);

    // Security rejects; support alone cannot turn that into an acceptance by superseding it
    expect((await sign(SAM, superseding.body.id, 'reject')).body.status).toBe(
      'rejected',
    );
    const override = await request(server)
      .post(`/api/contracts/decisions/${superseding.body.id}/supersede`)
      .set(as(GUEST))
      .send({ ...body, status: 'accepted' });
    expect(override.status).toBe(201);
    expect(override.body).toMatchObject({
      status: 'rejected',
      signatures: expect.arrayContaining([
        expect.objectContaining({
          decider: 'group:default/security-team',
          verdict: 'reject',
          carriedFrom: superseding.body.id,
        }),
      ]),
    });
    await sign(BOB, override.body.id, 'accept');
    expect(await status()).toBe('open');
    // until Security changes its verdict
    expect((await sign(SAM, override.body.id, 'accept')).body.status).toBe(
      'accepted',
    );
    expect(await status()).toBe('accepted');

    // a party withdraws its own proposal, and only its own
    expect(
      (
        await request(server)
          .post(`/api/contracts/decisions/${proposed.body.id}/withdraw`)
          .set(as(GUEST))
      ).status,
    ).toBe(403);
    const withdrawn = await request(server)
      .post(`/api/contracts/decisions/${proposed.body.id}/withdraw`)
      .set(as(BOB));
    expect(withdrawn.body).toMatchObject({
      status: 'withdrawn',
      withdrawnBy: BOB,
    });
    expect((await sign(BOB, proposed.body.id, 'accept')).status).toBe(409);

    // entity bodies carry the records that count now, and how many there are in all
    const riskBody = await request(server)
      .get('/api/contracts/entities/component/default/risk')
      .set(as(GUEST));
    expect(riskBody.body.decisions.map((d: { id: string }) => d.id)).toEqual([
      override.body.id,
    ]);
    expect(riskBody.body.decisionCount).toBe(4);

    const md = await request(server)
      .get(`/api/contracts/decisions/${superseding.body.id}/markdown`)
      .set(as(GUEST));
    expect(md.type).toBe('text/markdown');
    expect(md.text).toContain('## Decision Outcome');
    expect(md.text).toContain('grant support_tier_2');
    const exported = await request(server)
      .get('/api/contracts/decisions/export')
      .set(as(GUEST));
    expect(exported.body.version).toBe(1);
    expect(exported.body.decisions).toHaveLength(4);
    const listed = await request(server)
      .get(`/api/contracts/decisions?findingId=${access.id}`)
      .set(as(GUEST));
    expect(listed.body.items).toHaveLength(3);
    expect(listed.body.total).toBe(3);

    // the risk team narrows the endpoint's access: the evidence changes → needs-review
    catalog.set(
      examples.map(e => {
        if (e.metadata.name !== 'risk') return e;
        const resolved = JSON.parse(
          e.metadata.annotations!['contracts.io/resolved'],
        );
        for (const s of resolved.sources) {
          s.text = s.text.replace(/risk_team_only/g, 'risk_team_and_security');
        }
        return {
          ...e,
          metadata: {
            ...e.metadata,
            annotations: {
              ...e.metadata.annotations,
              'contracts.io/resolved': JSON.stringify(resolved),
            },
          },
        };
      }),
    );
    expect(await eventually(status, s => s === 'needs-review')).toBe(
      'needs-review',
    );
    expect(await entityStatus()).toBe('needs-review');
  });

  it('keeps serving the last graph, marked stale, when the catalog fails', async () => {
    const { server, catalog } = await startBackend(examples);
    const first = await request(server)
      .get('/api/contracts/findings')
      .set(as(GUEST));
    expect(first.body.stale).toBe(false);
    catalog.fail(new Error('catalog down'));
    const stale = await eventually(
      async () =>
        request(server)
          .get('/api/contracts/entities/component/default/risk')
          .set(as(GUEST)),
      r => r.body.stale === true,
    );
    expect(stale.status).toBe(200);
    expect(stale.body.stale).toBe(true);
    expect(stale.body.computedAt).toBe(first.body.computedAt);
    expect(stale.body.findings).toHaveLength(5);
    catalog.fail(undefined);
    const fresh = await eventually(
      async () => request(server).get('/api/contracts/findings').set(as(GUEST)),
      r => r.body.stale === false,
    );
    expect(fresh.body.items).toHaveLength(6);
  });

  it('answers what-if checks without storing anything', async () => {
    const { server } = await startBackend(examples);
    const res = await request(server)
      .post('/api/contracts/check')
      .set(as(GUEST))
      .send({
        entityRef: 'component:default/checkout',
        contract: [
          'service: checkout',
          'depends_on:',
          '  - service: risk',
          '    operation: scoreTransaction',
          '    latency_budget: { acceptable: p95 < 5000ms }',
          '    timeout: 6s',
          '',
        ].join('\n'),
      });
    expect(res.status).toBe(200);
    expect(res.body.problems).toEqual([]);
    expect(res.body.removed.map((f: Finding) => f.rule)).toContain(
      'latency-budget',
    );
    expect(res.body.findings.map((f: Finding) => f.rule)).not.toContain(
      'latency-budget',
    );
    const after = await request(server)
      .get('/api/contracts/findings')
      .set(as(GUEST));
    expect(after.body.items).toHaveLength(6);
    const bad = await request(server)
      .post('/api/contracts/check')
      .set(as(GUEST))
      .send({ entityRef: 'component:default/checkout' });
    expect(bad.status).toBe(400);
  });
});
