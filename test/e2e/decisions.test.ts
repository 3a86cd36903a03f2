/*
 * Issue 13 in the real portal (`npm start`'s backend on SQLite files, the built app), in
 * headless Chromium:
 *
 * - a bad stored decision cannot blank a card: a record with the decider `group:default/` (as
 *   the backend stored it before refs were validated), put straight into the running portal's
 *   store, shows as text on the Trade-off decisions card of both parties, beside their other
 *   records;
 * - a decision needs every decider group's signature before the finding shows accepted: the
 *   support member proposes and signs the access trade-off (support → risk); it stays `open`
 *   and `proposed`, awaiting risk, product and security; members of those groups sign in turn
 *   (the portal restarted on the same data with another guest user each time); only after the
 *   last signature is the decision `accepted` and the finding `accepted`.
 */
import { randomUUID } from 'node:crypto';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  BASE_URL,
  guestToken,
  Portal,
  signInAs,
  startPortal,
} from '../support/portal';
import { launchBrowser, openSignedIn, screenshot } from '../support/browser';
import { insertStoredDecision } from '../support/store';

jest.setTimeout(900_000);

const SUPPORT_PAGE = '/catalog/default/component/support';
const RISK_PAGE = '/catalog/default/component/risk';
const ACCESS_TITLE = 'Data access policy conflict';
const SUPPORT = 'group:default/support-team';
const RISK = 'group:default/risk-team';
const PRODUCT = 'group:default/product-team';
const SECURITY = 'group:default/security-team';

interface Finding {
  id: string;
  rule: string;
  evidence: string;
  consumer: string;
  provider: string;
  subject: string;
  status: string;
  deciders?: string[];
  resolutions: string[];
}

/** The contracts API as the portal's current guest user. */
async function contractsApi<T>(
  path: string,
  init: RequestInit = {},
): Promise<T> {
  const token = await guestToken();
  const res = await fetch(`${BASE_URL}/api/contracts${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      ...(init.headers as Record<string, string>),
    },
  });
  if (!res.ok) {
    throw new Error(
      `${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`,
    );
  }
  return (await res.json()) as T;
}

/** The access trade-off of the essay: support needs risk's fraud signal breakdown. */
async function accessFinding(): Promise<Finding> {
  const { items } = await contractsApi<{ items: Finding[] }>(
    '/findings?rule=access-policy&limit=200',
  );
  const finding = items.find(
    f =>
      f.consumer === 'component:default/support' &&
      f.provider === 'component:default/risk',
  );
  if (!finding) throw new Error('no access-policy finding support → risk');
  return finding;
}

/** A record of the Trade-off decisions card, by title. */
const decisionItem = (page: Page, title: string) =>
  page.getByTestId('decision').filter({ hasText: title }).first();

/** A decider's line of a record, once it shows `state` (accepted, rejected, awaiting). */
const deciderIn = (item: Locator, decider: string, state?: string) =>
  item.locator(
    `[data-testid="decider"][data-decider="${decider}"]${
      state ? `[data-state="${state}"]` : ''
    }`,
  );

/** The record's status, as the card shows it. */
const statusOf = (item: Locator) =>
  item.locator('[data-status]').first().getAttribute('data-status');

/** The status chip of the access finding on the page's Conflicts card. */
const accessFindingSummary = (page: Page) =>
  page.locator('.MuiAccordionSummary-root', { hasText: ACCESS_TITLE }).first();

/** Waits for `locator`, reloading the page every 15 s (the portal syncs and refetches). */
async function waitWithReloads(
  page: Page,
  locator: Locator,
  timeoutMs = 120_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = await locator
      .first()
      .waitFor({ timeout: 15_000 })
      .then(() => true)
      .catch(() => false);
    if (shown) return;
    if (Date.now() > deadline) {
      throw new Error(`not shown within ${timeoutMs} ms: ${locator}`);
    }
    await page.reload();
  }
}

describe('decisions that hold up, in the portal', () => {
  let portal: Portal;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    portal = await startPortal();
    dataDir = portal.dataDir;
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
  });

  /** Restarts the portal on the same data, its guest sign-in being `user`. */
  async function restartAs(user: string) {
    await portal.stop();
    portal = await startPortal({ dataDir, env: signInAs(user) });
  }

  async function shot(page: Page, name: string) {
    await screenshot(page, name).catch(() => undefined);
  }

  it("a bad stored decision shows as text on both parties' cards, beside their other records", async () => {
    const finding = await accessFinding();
    const goodTitle = `Good record beside the bad one ${randomUUID().slice(
      0,
      8,
    )}`;
    const badTitle = `Bad stored decider ${randomUUID().slice(0, 8)}`;
    await contractsApi('/decisions', {
      method: 'POST',
      headers: { 'Idempotency-Key': randomUUID() },
      body: JSON.stringify({
        findingId: finding.id,
        title: goodTitle,
        decision: finding.resolutions[0] ?? 'Keep it restricted',
        rationale: 'A record that must stay on the card beside the bad one.',
        status: 'proposed',
      }),
    });
    const at = new Date().toISOString();
    const deciders = JSON.stringify(['group:default/', RISK]);
    insertStoredDecision(
      dataDir,
      {
        id: randomUUID(),
        finding_id: finding.id,
        evidence_hash: finding.evidence,
        rule: finding.rule,
        consumer: finding.consumer,
        provider: finding.provider,
        subject: finding.subject,
        title: badTitle,
        context: null,
        options: JSON.stringify([]),
        decision: 'Whatever the forger wanted',
        rationale: 'Stored before the backend validated refs.',
        deciders,
        required_deciders: deciders,
        status: 'proposed',
        review_by: null,
        supersedes: null,
        recorded_by: 'user:default/',
        recorded_at: at,
        idempotency_key: null,
        request_hash: null,
      },
      [
        { kind: 'recorded', actor: 'user:default/', at },
        {
          kind: 'signed',
          decider: 'group:default/',
          verdict: 'accept',
          actor: 'user:default/',
          at,
        },
      ],
    );

    for (const [path, name] of [
      [SUPPORT_PAGE, 'support'],
      [RISK_PAGE, 'risk'],
    ]) {
      const page = await openSignedIn(browser, path);
      try {
        const bad = decisionItem(page, badTitle);
        await waitWithReloads(page, bad);
        // the bad decider and recorder are text; the good decider of the same record a link
        const badDecider = deciderIn(bad, 'group:default/');
        await badDecider.waitFor();
        expect(await badDecider.textContent()).toMatch(
          /^group:default\/: accepted by user:default\/ on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/,
        );
        expect(await badDecider.locator('a').count()).toBe(0);
        expect(
          await deciderIn(bad, RISK, 'awaiting').locator('a').count(),
        ).toBe(1);
        expect(await bad.textContent()).toContain(
          'recorded by user:default/ on',
        );
        // the card is whole: the other record of the same finding is there, nothing blanked
        await decisionItem(page, goodTitle).waitFor();
        expect(await page.getByTestId('item-error').count()).toBe(0);
        expect(await page.getByText(/Something went wrong/i).count()).toBe(0);
        await page.getByText('Trade-off decisions').first().waitFor();
      } finally {
        await shot(page, `decisions-bad-record-${name}`);
        await page.close();
      }
    }
  });

  it("a decision needs every decider group's signature before the finding shows accepted", async () => {
    const finding = await accessFinding();
    expect([...(finding.deciders ?? [])].sort()).toEqual([
      PRODUCT,
      RISK,
      SECURITY,
      SUPPORT,
    ]);
    const title = `Redacted breakdown for support tier 2 ${randomUUID().slice(
      0,
      8,
    )}`;

    // the guest, a member of support-team, proposes and signs an acceptance
    let page = await openSignedIn(browser, SUPPORT_PAGE);
    try {
      const summary = accessFindingSummary(page);
      await summary.waitFor({ timeout: 90_000 });
      await summary.getByText('open', { exact: true }).waitFor();
      await summary.click();
      const dialog = page.getByRole('dialog');
      for (let attempt = 1; ; attempt++) {
        await page
          .getByRole('button', { name: 'Record decision' })
          .first()
          .click();
        const shown = await dialog
          .waitFor({ timeout: 10_000 })
          .then(() => true)
          .catch(() => false);
        if (shown) break;
        if (attempt === 3)
          throw new Error('the Record decision dialog did not open');
      }
      // who decides is the finding's, read only: a link to each decider group, nothing to pick
      const required = dialog.getByTestId('decision-required');
      expect(await required.textContent()).toMatch(
        /^Decision required: .+ \+ .+ \+ .+ \+ .+\./,
      );
      for (const group of [SUPPORT, RISK, PRODUCT, SECURITY]) {
        const name = group.split('/')[1];
        expect(
          await required.locator(`a[href$="/group/${name}"]`).count(),
        ).toBe(1);
      }
      expect(await dialog.getByLabel('Deciders').count()).toBe(0);
      await dialog.getByLabel('Title').fill(title);
      await dialog.getByRole('button', { name: /Chosen option/ }).click();
      await page.getByRole('option').first().click();
      await dialog
        .getByLabel('Rationale')
        .fill('Support needs the reasons for a decline, not the raw signals.');
      expect(
        await dialog.getByRole('button', { name: /Status/ }).textContent(),
      ).toContain('propose and sign acceptance');
      await shot(page, 'decisions-propose');
      await dialog.getByRole('button', { name: 'Record decision' }).click();
      await dialog.waitFor({ state: 'detached', timeout: 30_000 });

      const item = decisionItem(page, title);
      await deciderIn(item, SUPPORT, 'accepted').waitFor({ timeout: 30_000 });
      expect(await deciderIn(item, SUPPORT).textContent()).toMatch(
        /accepted by .*guest/i,
      );
      for (const group of [RISK, PRODUCT, SECURITY]) {
        await deciderIn(item, group, 'awaiting').waitFor();
      }
      expect(await statusOf(item)).toBe('proposed');
      await accessFindingSummary(page)
        .getByText('open', { exact: true })
        .waitFor();
    } finally {
      await shot(page, 'decisions-proposed-by-support');
      await page.close();
    }

    // a member of each other decider group signs in turn
    const signers: Array<[string, string, RegExp]> = [
      ['user:default/bob', RISK, /bob/i],
      ['user:default/pat', PRODUCT, /pat/i],
      ['user:default/sam', SECURITY, /sam/i],
    ];
    const signed = [SUPPORT];
    for (const [user, group, who] of signers) {
      await restartAs(user);
      page = await openSignedIn(browser, RISK_PAGE);
      const name = user.split('/')[1];
      try {
        const item = decisionItem(page, title);
        await item.waitFor({ timeout: 90_000 });
        await item.getByRole('button', { name: 'Sign: accept' }).click();
        await deciderIn(item, group, 'accepted').waitFor({ timeout: 30_000 });
        signed.push(group);
        expect(await deciderIn(item, group).textContent()).toMatch(who);

        // as the backend has it now
        await page.reload();
        const after = decisionItem(page, title);
        await after.waitFor({ timeout: 90_000 });
        for (const g of signed) await deciderIn(after, g, 'accepted').waitFor();
        const awaiting = [RISK, PRODUCT, SECURITY].filter(
          g => !signed.includes(g),
        );
        for (const g of awaiting)
          await deciderIn(after, g, 'awaiting').waitFor();
        const summary = accessFindingSummary(page);
        await summary.waitFor({ timeout: 60_000 });
        if (awaiting.length > 0) {
          expect(await statusOf(after)).toBe('proposed');
          await summary.getByText('open', { exact: true }).waitFor();
          expect(
            await summary.getByText('accepted', { exact: true }).count(),
          ).toBe(0);
        } else {
          expect(await statusOf(after)).toBe('accepted');
          await summary
            .getByText('accepted', { exact: true })
            .waitFor({ timeout: 30_000 });
        }
      } finally {
        await shot(page, `decisions-signed-by-${name}`);
        await page.close();
      }
    }

    // the API agrees
    const { items } = await contractsApi<{
      items: Array<{ title: string; status: string; awaiting: string[] }>;
    }>(`/decisions?findingId=${encodeURIComponent(finding.id)}&limit=100`);
    expect(items.find(d => d.title === title)).toMatchObject({
      status: 'accepted',
      awaiting: [],
    });
    expect((await accessFinding()).status).toBe('accepted');
  });
});
