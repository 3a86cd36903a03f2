/*
 * What a service's code does reaches the portal: the real catalog reads the example catalog with
 * the real contracts catalog module, which finds the `contracts discover` report checkout's CI
 * committed (examples/checkout/contracts/discovered.json); the contracts backend attaches its
 * facts to checkout's contract, and the engine's contract-drift findings are served with where
 * in the code they are. A broken report is a located problem and hides nothing else.
 */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import permissionPlugin from '@backstage/plugin-permission-backend';
import type { Finding } from '@backstage-contracts/plugin-contracts-common';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { contractsPlugin } from './plugin';
import { as, ownershipUserInfo } from './__testUtils__/contractsBackend';
import { EXAMPLES_DIR } from './__testUtils__/exampleCatalog';
import { giveMockUsersAnActor } from './__testUtils__/mockUserActor';
import { realExampleCatalog } from './__testUtils__/realCatalog';
import {
  BOB,
  OWNERSHIP,
  riskTeamOnlyPolicyModule,
} from './__testUtils__/riskTeamOnlyPolicy';

jest.setTimeout(300_000);
giveMockUsersAnActor();

const CHECKOUT = 'component:default/checkout';
const PAYMENT = 'component:default/payment';
const REPORT = path.join(EXAMPLES_DIR, 'checkout/contracts/discovered.json');

/** The line of checkout's payment client where the timeout is set, as the code reads today. */
function paymentTimeoutLine(): number {
  const code = fs.readFileSync(
    path.join(EXAMPLES_DIR, 'checkout/src/paymentClient.ts'),
    'utf8',
  );
  return (
    code.split('\n').findIndex(l => l.includes('AbortSignal.timeout(')) + 1
  );
}

/** Starts the real backend on a catalog folder; resolves once `ready` holds for the findings. */
async function backendOn(
  examples: string,
  ready: (body: { items: Finding[]; problems: any[] }) => boolean,
) {
  const backend = await startTestBackend({
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
            locations: [
              { type: 'file', target: path.join(examples, 'all.yaml') },
            ],
          },
          contracts: { refreshIntervalSeconds: 0.2 },
        },
      }),
      ownershipUserInfo(OWNERSHIP),
    ],
  });
  const server = backend.server;
  const end = Date.now() + 200_000;
  let last: any;
  while (Date.now() < end) {
    const res = await request(server)
      .get('/api/contracts/findings')
      .set(as(BOB));
    last = res.body;
    if (res.status === 200 && last.stale === false && ready(last))
      return {
        backend,
        server,
        findings: last as { items: Finding[]; problems: any[] },
      };
    await new Promise(r => setTimeout(r, 250));
  }
  throw new Error(`the graph never got ready: ${JSON.stringify(last)}`);
}

const isDrift = (f: Finding) =>
  f.rule === 'contract-drift' && f.consumer === CHECKOUT;

describe("checkout's committed discover report, on the real backend", () => {
  let backend: { stop(): Promise<void> };
  let server: any;
  let items: Finding[];

  beforeAll(async () => {
    ({
      backend,
      server,
      findings: { items },
    } = await backendOn(EXAMPLES_DIR, body => body.items.some(isDrift)));
  });

  afterAll(() => backend?.stop());

  it('serves the drift finding of checkout’s code, with where the code is', async () => {
    const line = paymentTimeoutLine();
    const drift = items.filter(isDrift);
    expect(drift).toEqual([
      expect.objectContaining({
        rule: 'contract-drift',
        severity: 'info',
        consumer: CHECKOUT,
        provider: PAYMENT,
        subject: 'payment (undeclared call)',
        expected: 'no dependency on payment',
        actual: `calls payment at src/paymentClient.ts:${line}`,
      }),
    ]);
    expect(JSON.stringify(drift[0])).toContain(
      `src/paymentClient.ts:${line}:13: AbortSignal.timeout(PAYMENT_TIMEOUT_MS)`,
    );
    // the essay's timeout and retry with a new id agree with the contract: no drift on risk
    expect(items.filter(isDrift).map(f => f.provider)).toEqual([PAYMENT]);
  });

  it('carries the facts on checkout’s contract and its drift finding in the entity body', async () => {
    const res = await request(server)
      .get('/api/contracts/entities/component/default/checkout')
      .set(as(BOB));
    expect(res.status).toBe(200);
    const committed = JSON.parse(fs.readFileSync(REPORT, 'utf8'));
    expect(res.body.contracts.discovered).toEqual(committed.facts);
    expect(
      res.body.contracts.discovered.map((f: any) => [f.kind, f.file, f.target]),
    ).toEqual([
      ['timeout', 'src/paymentClient.ts', 'payment'],
      ['retry', 'src/riskClient.ts', 'risk'],
      ['new-id-in-retry', 'src/riskClient.ts', 'risk'],
      ['timeout', 'src/riskClient.ts', 'risk'],
    ]);
    expect(res.body.findings.filter(isDrift)).toEqual([
      expect.objectContaining({
        provider: PAYMENT,
        actual: `calls payment at src/paymentClient.ts:${paymentTimeoutLine()}`,
      }),
    ]);
  });
});

describe('a broken discover report, on the real backend', () => {
  let backend: { stop(): Promise<void> };
  let body: { items: Finding[]; problems: any[] };

  beforeAll(async () => {
    // the example catalog, with checkout's report broken (a fact's line is text)
    const copy = fs.mkdtempSync(
      path.join(os.tmpdir(), 'contracts-discovered-'),
    );
    fs.cpSync(EXAMPLES_DIR, copy, { recursive: true });
    const file = path.join(copy, 'checkout/contracts/discovered.json');
    const text = fs.readFileSync(file, 'utf8');
    const broken = text.replace(/"kind": "timeout"/, '"kind": "deadline"');
    if (broken === text) throw new Error('no timeout fact to break');
    fs.writeFileSync(file, broken);
    ({ backend, findings: body } = await backendOn(copy, b =>
      b.problems.some(p => p.file === 'contracts/discovered.json'),
    ));
  });

  afterAll(() => backend?.stop());

  it('is a located problem of checkout; its other facts and checkout’s contract stay', async () => {
    expect(
      body.problems.filter(p => p.file === 'contracts/discovered.json'),
    ).toEqual([
      {
        entity: CHECKOUT,
        file: 'contracts/discovered.json',
        line: 8,
        column: 15,
        path: 'facts[0].kind',
        message:
          '`kind` must be one of timeout, retry, new-id-in-retry, idempotency-key, replica-read, got `deadline`: the fact is left out',
      },
    ]);
    // the payment fact was the broken one: no drift; checkout's declared findings all stay
    expect(body.items.filter(isDrift)).toEqual([]);
    expect(
      body.items
        .filter(f => f.consumer === CHECKOUT)
        .map(f => f.rule)
        .sort(),
    ).toEqual(expect.arrayContaining(['idempotency-key', 'latency-budget']));
  });
});
