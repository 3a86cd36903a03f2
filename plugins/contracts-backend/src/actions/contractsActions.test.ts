/*
 * The contracts actions, called through the real actions registry (the routes
 * `@backstage/plugin-mcp-actions-backend` and the actions service call, under
 * /api/contracts/.backstage/actions) with user credentials, on the real backend: the real
 * catalog reading examples/all.yaml, the real permission backend, and a policy that hides
 * risk-team's entities from everyone outside risk-team.
 */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import permissionPlugin from '@backstage/plugin-permission-backend';
import {
  type Finding,
  HIDDEN_ENTITY,
} from '@backstage-contracts/plugin-contracts-common';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { contractsPlugin } from '../plugin';
import {
  as,
  ownershipUserInfo,
  startContractsBackend,
  USERS,
} from '../__testUtils__/contractsBackend';
import {
  EXAMPLES_DIR,
  loadExampleEntities,
  withEtag,
} from '../__testUtils__/exampleCatalog';
import { giveMockUsersAnActor } from '../__testUtils__/mockUserActor';
import { realExampleCatalog } from '../__testUtils__/realCatalog';
import {
  BOB,
  GUEST,
  NOBODY,
  OWNERSHIP,
  RISK,
  riskTeamOnlyPolicyModule,
} from '../__testUtils__/riskTeamOnlyPolicy';

jest.setTimeout(120_000);
giveMockUsersAnActor();

const CHECKOUT = 'component:default/checkout';
const ACTIONS = '/api/contracts/.backstage/actions/v1/actions';
/** Risk's own values: none may reach a caller who may not read risk. */
const RISK_VALUES = ['3200ms', '2800ms', 'risk_team_only', 'fraud-score'];
const leaked = (text: string) =>
  RISK_VALUES.filter(v => text.toLowerCase().includes(v.toLowerCase()));

/** Checkout's contract files with the budget on risk relaxed to what risk delivers. */
function relaxedCheckout() {
  const dir = path.join(EXAMPLES_DIR, 'checkout/contracts');
  const read = (file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
  const dependencies = read('dependencies.yaml')
    .replace('target: p50 < 100ms', 'target: p50 < 3s')
    .replace('acceptable: p95 < 200ms', 'acceptable: p95 < 5s')
    .replace('maximum: p99 < 500ms', 'maximum: p99 < 8s')
    .replace('timeout: 500ms', 'timeout: 8s');
  expect(dependencies).toContain('p95 < 5s');
  return [
    { file: 'dependencies.yaml', text: dependencies },
    { file: 'retry.yaml', text: read('retry.yaml') },
  ];
}

describe('the contracts actions, through the actions registry', () => {
  let server: any;
  let latency: Finding;

  const invoke = (action: string, user: string, input: unknown) =>
    request(server)
      .post(`${ACTIONS}/contracts:${action}/invoke`)
      .set(as(user))
      .send(input as object);

  beforeAll(async () => {
    ({ server } = await startTestBackend({
      features: [
        contractsPlugin,
        ...realExampleCatalog.features,
        permissionPlugin,
        riskTeamOnlyPolicyModule,
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            catalog: realExampleCatalog.config,
            contracts: { refreshIntervalSeconds: 0.2 },
          },
        }),
        ownershipUserInfo(OWNERSHIP),
      ],
    }));
    // the catalog ingests the example files, then the contracts graph reads them
    const end = Date.now() + 90_000;
    while (Date.now() < end) {
      const res = await invoke('get-contracts', BOB, { entity: 'checkout' });
      const found = (res.body.output?.findings ?? []).find(
        (f: Finding) => f.rule === 'latency-budget' && f.provider === RISK,
      );
      if (found && res.body.output.stale === false) {
        latency = found;
        return;
      }
      await new Promise(r => setTimeout(r, 250));
    }
    throw new Error('the graph never showed checkout → risk’s latency finding');
  });

  it('lists the four actions, described, with their input schemas', async () => {
    const res = await request(server).get(ACTIONS).set(as(GUEST));
    expect(res.status).toBe(200);
    const actions = res.body.actions as Array<{
      name: string;
      description: string;
      attributes: { readOnly: boolean };
      schema: { input: { properties: Record<string, unknown> } };
    }>;
    expect(actions.map(a => a.name).sort()).toEqual([
      'check-contract',
      'explain-finding',
      'get-contracts',
      'list-unanswered-needs',
    ]);
    for (const a of actions) {
      expect(a.description.length).toBeGreaterThan(200);
      expect(a.attributes.readOnly).toBe(true);
    }
    const byName = (n: string) => actions.find(a => a.name === n)!;
    expect(
      Object.keys(byName('get-contracts').schema.input.properties),
    ).toEqual(['entity']);
    expect(
      Object.keys(byName('check-contract').schema.input.properties),
    ).toEqual(['entity', 'contract', 'sources']);
    // the example contract the description gives an agent is one that parses
    const example = byName('check-contract').description.split(
      'An example `contract`:',
    )[1];
    expect(example).toMatch(/^\s*service: checkout\n/);
    const checked = await invoke('check-contract', BOB, {
      entity: 'checkout',
      contract: example.trim(),
    });
    expect(checked.status).toBe(200);
    expect(checked.body.output.problems).toEqual([]);
  });

  it('get-contracts: what checkout promises and needs, its findings, and what risk promises', async () => {
    const res = await invoke('get-contracts', BOB, { entity: 'checkout' });
    expect(res.status).toBe(200);
    const out = res.body.output;
    expect(out.entityRef).toBe(CHECKOUT);
    expect(out.contracts.dependsOn[0]).toMatchObject({
      service: 'risk',
      operation: 'scoreTransaction',
      timeoutMs: 500,
    });
    expect(out.findings.map((f: Finding) => f.rule)).toEqual(
      expect.arrayContaining(['latency-budget', 'idempotency-key']),
    );
    const risk = out.dependencies.find(
      (d: { entityRef: string }) => d.entityRef === RISK,
    );
    expect(risk.needs).toContainEqual({
      kind: 'call',
      subject: 'scoreTransaction',
    });
    expect(
      risk.promises.operations.find(
        (o: { name: string }) => o.name === 'scoreTransaction',
      ).currentRaw,
    ).toMatch(/3200ms/);
    expect(out.hiddenDependencies).toBe(0);
    // a full ref answers the same
    const byRef = await invoke('get-contracts', BOB, { entity: CHECKOUT });
    expect(byRef.body.output.findings).toEqual(out.findings);
  });

  it('get-contracts: a caller who may not read risk sees checkout without risk’s promises, and no risk', async () => {
    const res = await invoke('get-contracts', GUEST, { entity: 'checkout' });
    expect(res.status).toBe(200);
    expect(leaked(res.text)).toEqual([]);
    const out = res.body.output;
    expect(
      out.dependencies.map((d: { entityRef: string }) => d.entityRef),
    ).not.toContain(RISK);
    expect(out.hiddenDependencies).toBeGreaterThanOrEqual(1);
    expect(
      out.findings.find((f: Finding) => f.id === latency.id),
    ).toMatchObject({ provider: HIDDEN_ENTITY, actual: '', resolutions: [] });

    // risk itself: as unknown as an entity that does not exist
    const hidden = await invoke('get-contracts', GUEST, { entity: 'risk' });
    const unknown = await invoke('get-contracts', GUEST, { entity: 'nope' });
    expect(hidden.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(hidden.body.error.message).toBe(
      unknown.body.error.message.replace('nope', 'risk'),
    );
    expect(leaked(hidden.text)).toEqual([]);
    // a caller who may read nothing: not even checkout
    expect(
      (await invoke('get-contracts', NOBODY, { entity: 'checkout' })).status,
    ).toBe(404);
  });

  it('check-contract: relaxing checkout’s budget on risk removes the latency finding', async () => {
    const res = await invoke('check-contract', BOB, {
      entity: 'checkout',
      sources: relaxedCheckout(),
    });
    expect(res.status).toBe(200);
    const out = res.body.output;
    expect(out.problems).toEqual([]);
    expect(out.removed.map((f: Finding) => f.id)).toContain(latency.id);
    expect(
      out.added.filter((f: Finding) => f.rule === 'latency-budget'),
    ).toEqual([]);
    expect(out.findings.map((f: Finding) => f.rule)).not.toContain(
      'latency-budget',
    );
    // the idempotency conflict stays: the retry policy was kept
    expect(out.findings.map((f: Finding) => f.rule)).toContain(
      'idempotency-key',
    );
    // nothing was stored: checkout still has its finding
    const after = await invoke('get-contracts', BOB, { entity: 'checkout' });
    expect(after.body.output.findings.map((f: Finding) => f.id)).toContain(
      latency.id,
    );
  });

  it('check-contract: located problems, redaction, refusals and bad input', async () => {
    const broken = await invoke('check-contract', BOB, {
      entity: 'checkout',
      contract:
        'service: checkout\ndepends_on:\n  - service: risk\n    timeout: soon\n',
    });
    expect(broken.status).toBe(200);
    expect(broken.body.output.problems[0]).toMatchObject({
      file: 'proposed.yaml',
      line: 4,
      path: 'depends_on[0].timeout',
    });

    // the guest checks checkout's tighter budget: the finding on risk comes back redacted
    const guest = await invoke('check-contract', GUEST, {
      entity: CHECKOUT,
      contract:
        'service: checkout\ndepends_on:\n  - service: risk\n    operation: scoreTransaction\n    latency_budget: { acceptable: p95 < 100ms }\n',
    });
    expect(guest.status).toBe(200);
    expect(leaked(guest.text)).toEqual([]);
    expect(
      guest.body.output.findings.find(
        (f: Finding) => f.rule === 'latency-budget',
      ),
    ).toMatchObject({ provider: HIDDEN_ENTITY, actual: '' });

    // a proposal for an entity the caller may not read: as for an unknown one
    const onRisk = await invoke('check-contract', GUEST, {
      entity: 'risk',
      contract: 'service: risk\n',
    });
    expect(onRisk.status).toBe(404);
    expect(onRisk.body.error.message).toBe(
      `No entity ${RISK} in the contracts graph`,
    );

    const noContract = await invoke('check-contract', BOB, {
      entity: 'checkout',
    });
    expect(noContract.status).toBe(400);
    expect(noContract.body.error).toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(/`contract` \(YAML text\) or `sources`/),
    });
    const wrongType = await invoke('check-contract', BOB, {
      entity: 'checkout',
      contract: 42,
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.message).toMatch(
      /^Invalid input to action "contracts:check-contract".*"path": \[\s*"contract"\s*\].*Expected string, received number/s,
    );
  });

  it('explain-finding: the essay’s explanation, deciders and resolutions; redacted or absent for who may not read', async () => {
    const res = await invoke('explain-finding', BOB, {
      findingId: latency.id,
    });
    expect(res.status).toBe(200);
    const out = res.body.output;
    expect(out.explanation).toMatch(/Latency contract violation/);
    expect(out.explanation).toMatch(/checkout expects: p95 < 200ms/);
    expect(out.explanation).toMatch(/3200ms/);
    expect(out.explanation).toMatch(/\[latency-budget\]/);
    expect(out.resolutions.length).toBeGreaterThan(0);
    expect(out.deciders).toEqual(
      expect.arrayContaining([
        'group:default/checkout-team',
        'group:default/risk-team',
      ]),
    );
    expect(out.decisions).toEqual([]);
    expect(out.finding).toMatchObject({ id: latency.id, status: 'open' });

    const guest = await invoke('explain-finding', GUEST, {
      findingId: latency.id,
    });
    expect(guest.status).toBe(200);
    expect(leaked(guest.text)).toEqual([]);
    expect(guest.body.output.finding.provider).toBe(HIDDEN_ENTITY);
    expect(guest.body.output.resolutions).toEqual([]);

    const nobody = await invoke('explain-finding', NOBODY, {
      findingId: latency.id,
    });
    expect(nobody.status).toBe(404);
    expect(nobody.body.error.message).toBe(`No finding ${latency.id}`);
    const unknown = await invoke('explain-finding', BOB, { findingId: 'nope' });
    expect(unknown.status).toBe(404);
    const missing = await invoke('explain-finding', BOB, {});
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/"findingId"/);
  });

  it('refuses an input that names no entity', async () => {
    const bad = await invoke('get-contracts', BOB, { entity: 'component:' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(
      /"component:" is not an entity ref nor a service name/,
    );
  });
});

describe('list-unanswered-needs, through the actions registry', () => {
  let server: any;
  const invoke = (action: string, user: string, input: unknown) =>
    request(server)
      .post(`${ACTIONS}/contracts:${action}/invoke`)
      .set(as(user))
      .send(input as object);

  beforeAll(async () => {
    // the example catalog, and a dashboard that needs a latency of payment, which has no contract
    const dashboard = withEtag({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'fraud-dashboard',
        namespace: 'default',
        annotations: {
          'contracts.io/spec': [
            'depends_on:',
            '  - service: payment',
            '    operation: authorize',
            '    latency_budget: { acceptable: p95 < 300ms }',
            '',
          ].join('\n'),
        },
      },
      spec: { type: 'service', owner: 'group:default/support-team' },
    });
    ({ server } = await startContractsBackend({
      entities: [...(await loadExampleEntities()), dashboard],
    }));
  });

  it("lists the needs on payment-team's services that it has not answered", async () => {
    let groups: any[] = [];
    const end = Date.now() + 60_000;
    while (Date.now() < end && !groups.length) {
      const res = await invoke('list-unanswered-needs', USERS.CAROL, {
        team: 'payment-team',
      });
      expect(res.status).toBe(200);
      groups = res.body.output.groups;
      if (!groups.length) await new Promise(r => setTimeout(r, 250));
    }
    expect(groups).toEqual([
      expect.objectContaining({
        provider: 'component:default/payment',
        owner: 'group:default/payment-team',
        subject: 'authorize',
        kind: 'no-contract',
        aspect: 'latency',
        consumers: 1,
        needs: [
          expect.objectContaining({
            consumer: 'component:default/fraud-dashboard',
            expected: expect.stringMatching(/p95 < 300ms/),
          }),
        ],
      }),
    ]);
    // the same groups as GET /unanswered?owner=…
    const rest = await request(server)
      .get('/api/contracts/unanswered?owner=group:default/payment-team')
      .set(as(USERS.CAROL));
    expect(rest.body.items).toEqual(groups);
    // another team's services, or one provider of it: only theirs
    expect(
      (
        await invoke('list-unanswered-needs', USERS.CAROL, {
          team: 'group:default/risk-team',
        })
      ).body.output.groups,
    ).toEqual([]);
    expect(
      (
        await invoke('list-unanswered-needs', USERS.CAROL, {
          team: 'payment-team',
          provider: 'checkout',
        })
      ).body.output.groups,
    ).toEqual([]);
  });

  it('refuses an input without a team', async () => {
    const res = await invoke('list-unanswered-needs', USERS.CAROL, {});
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/"team"/);
    const bad = await invoke('list-unanswered-needs', USERS.CAROL, {
      team: 'group:',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/not an entity ref/);
  });
});
