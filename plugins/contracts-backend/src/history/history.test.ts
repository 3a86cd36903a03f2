/*
 * The contract history on the real backend: the real catalog reading a copy of the example
 * catalog (edited by the test, as a team edits its contract files), the real contracts catalog
 * module, the real permission backend with a policy that hides risk-team's entities from
 * everyone outside risk-team.
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import permissionPlugin from '@backstage/plugin-permission-backend';
import { HIDDEN_ENTITY } from '@backstage-contracts/plugin-contracts-common';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { contractsPlugin } from '../plugin';
import { ownershipUserInfo } from '../__testUtils__/contractsBackend';
import { EXAMPLES_DIR } from '../__testUtils__/exampleCatalog';
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
import type { HistoryItem } from './types';

jest.setTimeout(240_000);
giveMockUsersAnActor();

const as = (user: string) => ({
  Authorization: mockCredentials.user.header(user),
});

const CHECKOUT_HISTORY =
  '/api/contracts/entities/component/default/checkout/history';
const RISK_HISTORY = '/api/contracts/entities/component/default/risk/history';

type Change = Extract<HistoryItem, { type: 'change' }>;

describe('GET /entities/{kind}/{namespace}/{name}/history', () => {
  let server: any;
  let dir: string;
  let sla: string;

  async function until<T>(
    what: string,
    fn: () => Promise<T | undefined>,
    timeoutMs = 120_000,
  ): Promise<T> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const value = await fn();
      if (value !== undefined) return value;
      await new Promise(r => setTimeout(r, 250));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /** The latest change of checkout's history that holds `change` of its latency finding. */
  const latencyChange = (change: 'opened' | 'closed', user = BOB, after = 0) =>
    until(`checkout's history to show latency-budget ${change}`, async () => {
      const res = await request(server).get(CHECKOUT_HISTORY).set(as(user));
      return (res.body.items as HistoryItem[] | undefined)?.find(
        (i): i is Change =>
          i.type === 'change' &&
          Number(i.id) > after &&
          i.findings.some(
            f => f.change === change && f.finding.rule === 'latency-budget',
          ),
      );
    });

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'contracts-history-'));
    await fs.cp(EXAMPLES_DIR, dir, { recursive: true });
    sla = path.join(dir, 'risk/contracts/sla.yaml');
    ({ server } = await startTestBackend({
      features: [
        contractsPlugin,
        ...realExampleCatalog.features,
        permissionPlugin,
        riskTeamOnlyPolicyModule,
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            catalog: {
              ...realExampleCatalog.config,
              processingInterval: { seconds: 1 },
              locations: [{ type: 'file', target: path.join(dir, 'all.yaml') }],
            },
            contracts: { refreshIntervalSeconds: 0.2 },
          },
        }),
        ownershipUserInfo(OWNERSHIP),
      ],
    }));
    // the catalog ingests the copy, the graph reads it
    await until('the latency finding of checkout → risk', async () => {
      const res = await request(server)
        .get('/api/contracts/findings?rule=latency-budget')
        .set(as(BOB));
      return res.body.items?.some(
        (f: { provider: string }) => f.provider === RISK,
      )
        ? true
        : undefined;
    });
  });

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('records a contract change and the findings it closed and opened', async () => {
    const text = await fs.readFile(sla, 'utf8');
    // risk implements caching: p95 3200ms → 150ms, under checkout's 200ms budget
    await fs.writeFile(
      sla,
      text.replace(
        'current: p50=2800ms, p95=3200ms',
        'current: p50=80ms, p95=150ms',
      ),
    );
    const before = await request(server).get(CHECKOUT_HISTORY).set(as(BOB));
    const last = Math.max(
      0,
      ...(before.body.items as HistoryItem[])
        .filter(i => i.type === 'change')
        .map(i => Number(i.id)),
    );
    const closed = await latencyChange('closed', BOB, last);
    expect(closed.contracts).toContainEqual(
      expect.objectContaining({
        entityRef: RISK,
        change: 'changed',
        changes: expect.arrayContaining([
          {
            kind: 'lowered',
            item: 'operation scoreTransaction',
            field: 'p95 (current)',
            from: '3200ms',
            to: '150ms',
          },
        ]),
      }),
    );
    // and back: the finding opens again, in a later change
    await fs.writeFile(sla, text);
    const opened = await latencyChange('opened', BOB, Number(closed.id));
    expect(opened.contracts[0].changes).toContainEqual(
      expect.objectContaining({ kind: 'raised', from: '150ms', to: '3200ms' }),
    );
    expect(opened.findings).toContainEqual(
      expect.objectContaining({
        change: 'opened',
        finding: expect.objectContaining({
          consumer: 'component:default/checkout',
          provider: RISK,
          expected: 'p95 < 200ms',
        }),
      }),
    );
    // risk's own history has both, newest first
    const risk = await request(server).get(RISK_HISTORY).set(as(BOB));
    expect(risk.status).toBe(200);
    const ids = (risk.body.items as HistoryItem[])
      .filter(i => i.type === 'change')
      .map(i => i.id);
    expect(ids.indexOf(opened.id)).toBeLessThan(ids.indexOf(closed.id));
  });

  it('pages with a strict cursor', async () => {
    const all = await request(server).get(CHECKOUT_HISTORY).set(as(BOB));
    const total = all.body.items.length;
    expect(total).toBeGreaterThanOrEqual(2);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await request(server)
        .get(CHECKOUT_HISTORY)
        .query({ limit: 1, ...(cursor ? { cursor } : {}) })
        .set(as(BOB));
      expect(res.status).toBe(200);
      expect(res.body.items).toHaveLength(1);
      seen.push(`${res.body.items[0].type} ${res.body.items[0].id}`);
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(
      all.body.items.map((i: HistoryItem) => `${i.type} ${i.id}`),
    );
    for (const bad of ['1', 'MTIz', 'x'.repeat(300), `${cursor}=`]) {
      const res = await request(server)
        .get(CHECKOUT_HISTORY)
        .query({ cursor: bad })
        .set(as(BOB));
      expect(res.status).toBe(400);
    }
    expect(
      (await request(server).get(`${CHECKOUT_HISTORY}?limit=0`).set(as(BOB)))
        .status,
    ).toBe(400);
  });

  it("answers 404 for an entity the caller cannot read, and redacts the hidden counterpart's change", async () => {
    const hidden = await request(server).get(RISK_HISTORY).set(as(GUEST));
    const unknown = await request(server)
      .get('/api/contracts/entities/component/default/nope/history')
      .set(as(GUEST));
    expect(hidden.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(hidden.body.error.message).toBe(
      unknown.body.error.message.replace('nope', 'risk'),
    );
    expect(
      (await request(server).get(CHECKOUT_HISTORY).set(as(NOBODY))).status,
    ).toBe(404);

    const closed = await latencyChange('closed', GUEST);
    expect(closed.contracts).toEqual([
      expect.objectContaining({
        entityRef: HIDDEN_ENTITY,
        hidden: true,
        changes: [],
      }),
    ]);
    expect(
      closed.findings.find(f => f.finding.rule === 'latency-budget')!.finding,
    ).toMatchObject({
      consumer: 'component:default/checkout',
      provider: HIDDEN_ENTITY,
      hidden: ['provider'],
      actual: '',
    });
    const text = JSON.stringify(
      (await request(server).get(CHECKOUT_HISTORY).set(as(GUEST))).body,
    );
    for (const secret of [RISK, '3200ms', '150ms']) {
      expect(text).not.toContain(secret);
    }
  });
});
