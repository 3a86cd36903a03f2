import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import request from 'supertest';
import { contractsPlugin } from './plugin';
import { loadExampleEntities } from './__testUtils__/exampleCatalog';
import { faultyCatalog } from './__testUtils__/faultyCatalog';

jest.setTimeout(60_000);

/** The quick check's interval and the catalog read timeout the backend is given. */
const INTERVAL_MS = 200;
const TIMEOUT_MS = 500;
/** What a loaded machine may add to a bound (timers, a shared CPU, the HTTP round trips); 700 ms was exceeded at a load average of 10–15. The old behaviour took 15 s or never. */
const SLACK_MS = 1500;

async function startBackend(entities: Entity[]) {
  const catalog = faultyCatalog({ entities });
  const { server } = await startTestBackend({
    features: [
      contractsPlugin,
      catalog.factory,
      mockServices.rootConfig.factory({
        data: {
          contracts: {
            refreshIntervalSeconds: INTERVAL_MS / 1000,
            // a duration string, as an operator writes it
            catalogReadTimeout: `${TIMEOUT_MS}ms`,
          },
        },
      }),
    ],
  });
  const get = () =>
    request(server)
      .get('/api/contracts/entities/component/default/risk')
      .set('Authorization', mockCredentials.user.header());
  return { catalog, get };
}

/** Polls `fn` every 50 ms until `ok`, or `timeoutMs`; the last value and when it came. */
async function until<T>(
  fn: () => Promise<T>,
  ok: (t: T) => boolean,
  timeoutMs = 15_000,
): Promise<{ value: T; at: number }> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (ok(value) || Date.now() > end) return { value, at: Date.now() };
    await new Promise(r => setTimeout(r, 50));
  }
}

const isoTime = expect.stringMatching(
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
);

describe('the stale flag', () => {
  let examples: Entity[];
  beforeAll(async () => {
    examples = await loadExampleEntities();
  });

  it('is set within one quick-check interval of a failed read, with the reason and the age, and cleared on recovery', async () => {
    const { catalog, get } = await startBackend(examples);
    const fresh = await until(get, r => r.body.stale === false);
    expect(fresh.value.status).toBe(200);
    expect(fresh.value.body).not.toHaveProperty('staleSince');

    // The catalog's database refuses connections: the catalog answers 500 at once.
    let failedAt = Date.now();
    catalog.fail(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    let stale = await until(get, r => r.body.stale === true);
    expect(stale.value.status).toBe(200);
    expect(stale.at - failedAt).toBeLessThan(INTERVAL_MS + SLACK_MS);
    expect(stale.value.body).toMatchObject({
      stale: true,
      staleReason: expect.stringContaining('connect ECONNREFUSED'),
      staleSince: isoTime,
      lastSuccessAt: isoTime,
      // the last good graph, as it was
      computedAt: fresh.value.body.computedAt,
      findings: fresh.value.body.findings,
    });
    const { staleSince, lastSuccessAt } = stale.value.body;
    expect(Date.parse(lastSuccessAt)).toBeLessThanOrEqual(failedAt);
    expect(Date.parse(staleSince)).toBeGreaterThanOrEqual(failedAt - 50);
    expect(Date.parse(staleSince)).toBeLessThanOrEqual(stale.at);

    // Recovery clears it within an interval or two.
    let recoveredAt = Date.now();
    catalog.recover();
    let again = await until(get, r => r.body.stale === false);
    expect(again.at - recoveredAt).toBeLessThan(2 * INTERVAL_MS + SLACK_MS);
    expect(again.value.body).not.toHaveProperty('staleReason');
    expect(again.value.body).not.toHaveProperty('staleSince');

    // The catalog gives up only after a while (it retries the connection): the read's timeout
    // fails it first, and the graph is stale within the timeout and an interval.
    failedAt = Date.now();
    catalog.fail(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      afterMs: 4000,
    });
    stale = await until(get, r => r.body.stale === true);
    expect(stale.at - failedAt).toBeLessThan(
      INTERVAL_MS + TIMEOUT_MS + SLACK_MS,
    );
    expect(stale.value.body.staleReason).toMatch(
      /did not answer queryEntities within 500 ms/,
    );
    // Every failing check takes the timeout; the next comes an interval after it, not after a
    // pause stretched for a slow run: the recovery is seen as soon.
    await new Promise(r => setTimeout(r, 3 * (INTERVAL_MS + TIMEOUT_MS)));
    // staleSince is kept while the failure lasts
    const later = await get();
    expect(later.body.stale).toBe(true);
    expect(later.body.staleSince).toBe(stale.value.body.staleSince);
    recoveredAt = Date.now();
    catalog.recover();
    again = await until(get, r => r.body.stale === false);
    expect(again.at - recoveredAt).toBeLessThan(
      2 * INTERVAL_MS + TIMEOUT_MS + SLACK_MS,
    );
  });

  it('is set within the read timeout and an interval when the catalog hangs, and cleared on recovery', async () => {
    const { catalog, get } = await startBackend(examples);
    const fresh = await until(get, r => r.body.stale === false);
    expect(fresh.value.body.stale).toBe(false);

    // A table lock: the catalog takes the request and never answers.
    const hungAt = Date.now();
    catalog.hang();
    const stale = await until(get, r => r.body.stale === true);
    expect(stale.value.body.stale).toBe(true);
    expect(stale.at - hungAt).toBeLessThan(INTERVAL_MS + TIMEOUT_MS + SLACK_MS);
    expect(stale.value.body).toMatchObject({
      staleReason: expect.stringMatching(/did not answer .* within 500 ms/),
      staleSince: isoTime,
      lastSuccessAt: isoTime,
      findings: fresh.value.body.findings,
    });
    expect(Date.parse(stale.value.body.lastSuccessAt)).toBeLessThanOrEqual(
      hungAt,
    );

    // The lock is released: the waiting reads answer late (dropped), new ones at once.
    const recoveredAt = Date.now();
    catalog.recover();
    catalog.release();
    const again = await until(get, r => r.body.stale === false);
    expect(again.value.body.stale).toBe(false);
    expect(again.at - recoveredAt).toBeLessThan(2 * INTERVAL_MS + SLACK_MS);
    expect(again.value.body.findings).toEqual(fresh.value.body.findings);
  });
});
