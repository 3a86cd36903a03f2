import { ConfigReader } from '@backstage/config';
import express from 'express';
import request from 'supertest';
import {
  as,
  startContractsBackend,
  USERS,
} from '../__testUtils__/contractsBackend';
import { loadExampleEntities } from '../__testUtils__/exampleCatalog';
import { giveMockUsersAnActor } from '../__testUtils__/mockUserActor';
import {
  EventLoopAdmission,
  isDecisionWrite,
  readEventLoopAdmissionSettings,
  WriteRateController,
} from './admission';

/** Holds the event loop (a real synchronous stretch, as a long computation would). */
function block(ms: number) {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

giveMockUsersAnActor();

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Admission read from `contracts.decisions` config, waiting at most `admissionWaitMs`, on `now`'s clock. */
function configuredAdmission(
  decisions: Record<string, number>,
  admissionWaitMs: number,
  now: () => number,
) {
  return new EventLoopAdmission(
    {
      ...readEventLoopAdmissionSettings(
        new ConfigReader({ contracts: { decisions } }),
      ),
      admissionWaitMs,
    },
    { now },
  );
}

function appWith(admission: EventLoopAdmission) {
  const app = express();
  app.use(admission.middleware(isDecisionWrite));
  app.post('/decisions', (_req, res) => {
    res.status(201).json({ ok: true });
  });
  app.post('/decisions/:id/signatures', (_req, res) => {
    res.status(201).json({ ok: true });
  });
  app.get('/decisions', (_req, res) => {
    res.json({ items: [] });
  });
  return app;
}

describe('EventLoopAdmission', () => {
  let admission: EventLoopAdmission | undefined;
  afterEach(() => admission?.stop());

  it('refuses writes with 503 and Retry-After after the loop was held, and admits them again once it is free', async () => {
    admission = new EventLoopAdmission({
      maxEventLoopDelayMs: 2000,
      // long samples: the requests below are answered within the one after the stretch
      sampleIntervalMs: 1000,
      retryAfterSeconds: 1,
    });
    admission.start();
    const app = appWith(admission);
    // a quiet sample first (a loaded machine may stall this process at start)
    await sleep(1100);
    let admitted = await request(app).post('/decisions').send({});
    for (let i = 0; i < 50 && admitted.status === 503; i++) {
      await sleep(100);
      admitted = await request(app).post('/decisions').send({});
    }
    expect(admitted.status).toBe(201);

    block(3000);
    // the sampler (a timer of the same loop) sees it at its next run
    for (let i = 0; i < 60 && !admission.underPressure; i++) await sleep(20);
    expect(admission.delayMs).toBeGreaterThan(2000);
    expect(admission.underPressure).toBe(true);
    const refused = await request(app).post('/decisions').send({});
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body.error.name).toBe('ServiceUnavailableError');
    expect(refused.body.error.message).toMatch(/maxEventLoopDelay 2000 ms/);
    expect(
      (await request(app).post('/decisions/abc/signatures').send({})).status,
    ).toBe(503);
    // reads pass under pressure
    expect((await request(app).get('/decisions')).status).toBe(200);

    // a free loop: the next samples clear it
    let again = await request(app).post('/decisions').send({});
    for (let i = 0; i < 50 && again.status === 503; i++) {
      await sleep(100);
      again = await request(app).post('/decisions').send({});
    }
    expect(again.status).toBe(201);
  }, 30_000);

  it('refuses nothing without a bound (the default)', async () => {
    const settings = readEventLoopAdmissionSettings(new ConfigReader({}));
    expect(settings.maxEventLoopDelayMs).toBe(0);
    admission = new EventLoopAdmission({ ...settings, sampleIntervalMs: 50 });
    admission.start();
    const app = appWith(admission);
    block(300);
    await sleep(80);
    expect(admission.underPressure).toBe(false);
    expect((await request(app).post('/decisions').send({})).status).toBe(201);
  });

  it('reads its settings from contracts.decisions and refuses bad ones', () => {
    expect(
      readEventLoopAdmissionSettings(
        new ConfigReader({
          contracts: {
            decisions: { maxEventLoopDelay: 150, eventLoopSampleInterval: 250 },
          },
        }),
      ),
    ).toEqual({
      maxEventLoopDelayMs: 150,
      sampleIntervalMs: 250,
      retryAfterSeconds: 1,
      maxEventLoopUtilization: 0,
      utilizationIntervalMs: 100,
      maxWritesPerSecond: 0,
      admissionWaitMs: 2000,
    });
    expect(
      readEventLoopAdmissionSettings(
        new ConfigReader({
          contracts: { decisions: { maxWritesPerSecond: 12.5 } },
        }),
      ),
    ).toMatchObject({ maxWritesPerSecond: 12.5 });
    expect(() =>
      readEventLoopAdmissionSettings(
        new ConfigReader({
          contracts: { decisions: { maxWritesPerSecond: -1 } },
        }),
      ),
    ).toThrow(/maxWritesPerSecond must be a number of writes per second/);
    expect(
      readEventLoopAdmissionSettings(
        new ConfigReader({
          contracts: {
            decisions: {
              maxEventLoopUtilization: 0.6,
              utilizationSampleInterval: 50,
            },
          },
        }),
      ),
    ).toMatchObject({
      maxEventLoopUtilization: 0.6,
      utilizationIntervalMs: 50,
    });
    for (const bad of [1, 1.5, -0.1]) {
      expect(() =>
        readEventLoopAdmissionSettings(
          new ConfigReader({
            contracts: { decisions: { maxEventLoopUtilization: bad } },
          }),
        ),
      ).toThrow(/maxEventLoopUtilization must be a share of the time/);
    }
    expect(() =>
      readEventLoopAdmissionSettings(
        new ConfigReader({
          contracts: { decisions: { maxEventLoopDelay: -1 } },
        }),
      ),
    ).toThrow(/contracts.decisions.maxEventLoopDelay must be a number/);
    expect(() =>
      readEventLoopAdmissionSettings(
        new ConfigReader({
          contracts: { decisions: { eventLoopSampleInterval: 1 } },
        }),
      ),
    ).toThrow(/eventLoopSampleInterval/);
  });

  it("admits writes at a rate set by the loop's utilization: cut above the target, raised below it while writes wait", () => {
    const c = new WriteRateController({ target: 0.5, intervalMs: 100 });
    expect(c.rate).toBe(20);
    // one token to start with; a token per 1/rate s after
    expect(c.tryAdmit(0)).toBe(true);
    expect(c.tryAdmit(0)).toBe(false);
    expect(c.tryAdmit(49)).toBe(false);
    expect(c.tryAdmit(100)).toBe(true);
    // the bucket holds one interval's writes: 2 at 20/s, however long it was idle
    expect(c.tryAdmit(60_000)).toBe(true);
    expect(c.tryAdmit(60_000)).toBe(true);
    expect(c.tryAdmit(60_000)).toBe(false);
    expect(c.refusedTotal).toBe(3);
    expect(c.admittedTotal).toBe(4);

    // above the target: cut in proportion (0.5 / 0.8), by half at most
    c.observe(0.8);
    expect(c.rate).toBeCloseTo(12.5);
    c.observe(1);
    expect(c.rate).toBeCloseTo(6.25);
    // below it with no write refused in the interval: the demand is met, the rate stays
    c.observe(0.1);
    expect(c.rate).toBeCloseTo(6.25);
    // below it after a refusal: raised, by a quarter at most, plus one write/s
    expect(c.tryAdmit(60_000)).toBe(false);
    c.observe(0.1);
    expect(c.rate).toBeCloseTo(6.25 * 1.25 + 1);
    // near the target: raised in proportion
    expect(c.tryAdmit(60_000)).toBe(false);
    c.observe(0.45);
    expect(c.rate).toBeCloseTo((6.25 * 1.25 + 1) * (0.5 / 0.45) + 1);
    // a saturated loop never stops writes altogether: one per second at least
    for (let i = 0; i < 50; i++) c.observe(1);
    expect(c.rate).toBe(1);
    expect(c.retryAfterSeconds()).toBe(1);
  });

  it('admits writes at a configured rate (maxRate), alone or as the ceiling of the rate by utilization', () => {
    const fixed = new WriteRateController({ maxRate: 5, intervalMs: 100 });
    expect(fixed.rate).toBe(5);
    let start = 0;
    /** Writers asking every 10 ms for `seconds`: how many were admitted. */
    const admitted = (c: WriteRateController, seconds: number, u: number) => {
      const before = c.admittedTotal;
      for (let t = 0; t < seconds * 1000; t += 10) {
        c.tryAdmit(start + t);
        if (t % 100 === 0) c.observe(u);
      }
      start += seconds * 1000;
      return c.admittedTotal - before;
    };
    // whatever the utilization: 5 a second (the first token at once)
    expect(admitted(fixed, 10, 0)).toBeGreaterThanOrEqual(50);
    expect(admitted(fixed, 10, 0)).toBeLessThanOrEqual(51);
    expect(admitted(fixed, 10, 1)).toBeLessThanOrEqual(51);
    expect(fixed.rate).toBe(5);

    // with a target: raised while writes wait below it, never above maxRate
    const both = new WriteRateController({
      target: 0.5,
      maxRate: 8,
      intervalMs: 100,
    });
    expect(both.rate).toBe(8);
    start = 0;
    expect(admitted(both, 10, 0.1)).toBeLessThanOrEqual(81);
    expect(both.rate).toBe(8);
    // and cut above it as before
    both.observe(1);
    expect(both.rate).toBe(4);
    expect(() => new WriteRateController({ intervalMs: 100 })).toThrow(
      /a target utilization or a maxRate/,
    );
  });

  it('asks refused writers to come back later the more of them wait for the rate, 10 s at most', () => {
    const c = new WriteRateController({ target: 0.5, intervalMs: 100 });
    for (let i = 0; i < 50; i++) c.observe(1);
    expect(c.rate).toBe(1);
    let now = 0;
    /** `writers` that each send again after the Retry-After they were given, for `seconds`. */
    const run = (writers: number, seconds: number) => {
      const next = Array.from({ length: writers }, () => now);
      for (const end = now + seconds * 1000; now < end; ) {
        now += 100;
        for (let k = 0; k < next.length; k++) {
          if (next[k] <= now && !c.tryAdmit(now)) {
            next[k] = now + c.retryAfterSeconds() * 1000;
          }
        }
        c.observe(1);
      }
    };
    // a few writers waiting for a rate of 1/s: each is told to wait about their number
    run(4, 120);
    const few = c.retryAfterSeconds();
    expect(few).toBeGreaterThan(1);
    expect(few).toBeLessThan(10);
    // many: the longest
    run(50, 120);
    expect(c.retryAfterSeconds()).toBe(10);
    // none any more: back to a second
    run(0, 10);
    expect(c.retryAfterSeconds()).toBe(1);
  });

  it('answers writes beyond the rate with 503 and Retry-After, and lets reads pass (maxEventLoopUtilization)', async () => {
    let now = 0;
    // refused at once, not paced
    admission = configuredAdmission(
      { maxEventLoopUtilization: 0.5 },
      0,
      () => now,
    );
    // not started: the rate stays where the test puts it
    for (let i = 0; i < 10; i++) admission.rateController!.observe(1);
    expect(admission.rateController!.rate).toBe(1);
    expect(admission.enabled).toBe(true);
    expect(admission.underPressure).toBe(false);
    const app = appWith(admission);
    expect((await request(app).post('/decisions').send({})).status).toBe(201);
    const refused = await request(app).post('/decisions').send({});
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body.error.message).toMatch(
      /maxEventLoopUtilization 0.5; it admits 1.0 writes\/s now/,
    );
    expect(
      (await request(app).post('/decisions/abc/signatures').send({})).status,
    ).toBe(503);
    expect((await request(app).get('/decisions')).status).toBe(200);
    // a second later, a token again
    now = 1000;
    expect((await request(app).post('/decisions').send({})).status).toBe(201);
  });

  it('answers writes beyond a configured rate with 503 and Retry-After (maxWritesPerSecond)', async () => {
    let now = 0;
    admission = configuredAdmission({ maxWritesPerSecond: 2 }, 0, () => now);
    expect(admission.enabled).toBe(true);
    const app = appWith(admission);
    expect((await request(app).post('/decisions').send({})).status).toBe(201);
    const refused = await request(app).post('/decisions').send({});
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body.error.message).toMatch(
      /contracts.decisions.maxWritesPerSecond 2; it admits 2.0 writes\/s now/,
    );
    expect(refused.body.error.message).not.toMatch(/event loop/);
    expect((await request(app).get('/decisions')).status).toBe(200);
    // half a second later (2 a second), a token again
    now = 500;
    expect((await request(app).post('/decisions').send({})).status).toBe(201);
  });

  it('paces writes beyond the rate: each waits for its turn, up to admissionWaitMs, then is refused', async () => {
    const c = new WriteRateController({ maxRate: 2, intervalMs: 100 });
    expect(c.reserve(0, 1000)).toBe(0);
    expect(c.reserve(0, 1000)).toBe(500);
    expect(c.reserve(0, 1000)).toBe(1000);
    expect(c.reserve(0, 1000)).toBeUndefined();
    expect([c.admittedTotal, c.refusedTotal]).toEqual([3, 1]);
    // a second later two turns have passed: the next one is half a second away again
    expect(c.reserve(1000, 1000)).toBe(500);

    // under a utilization target, writes that waited are demand as refusals are: the rate
    // is raised below the target
    const u = new WriteRateController({ target: 0.5, intervalMs: 100 });
    u.observe(1);
    expect(u.rate).toBe(10);
    expect(u.reserve(5000, 1000)).toBe(0);
    expect(u.reserve(5000, 1000)).toBe(100);
    expect(u.refusedTotal).toBe(0);
    u.observe(0.1);
    expect(u.rate).toBeCloseTo(10 * 1.25 + 1);
    // none waited or refused: the demand is met, the rate stays
    u.observe(0.1);
    expect(u.rate).toBeCloseTo(10 * 1.25 + 1);

    // through the middleware: a write beyond the rate waits for its turn instead of a 503
    admission = configuredAdmission({ maxWritesPerSecond: 20 }, 60, () => 0);
    const app = appWith(admission);
    const statuses = await Promise.all(
      Array.from({ length: 3 }, () =>
        request(app)
          .post('/decisions')
          .send({})
          .then(r => r.status),
      ),
    );
    // one at once, one after 50 ms; the third's turn (100 ms) is beyond the 60 ms it may wait
    expect(statuses.sort()).toEqual([201, 201, 503]);
  });

  it('guards decision writes only', () => {
    expect(isDecisionWrite({ method: 'POST', path: '/decisions' })).toBe(true);
    expect(
      isDecisionWrite({ method: 'DELETE', path: '/decisions/1/proposal' }),
    ).toBe(true);
    expect(isDecisionWrite({ method: 'GET', path: '/decisions' })).toBe(false);
    expect(isDecisionWrite({ method: 'POST', path: '/check' })).toBe(false);
    expect(isDecisionWrite({ method: 'POST', path: '/decisionsx' })).toBe(
      false,
    );
  });

  it("is in front of the plugin's decision writes (the real backend, contracts.decisions.maxEventLoopDelay)", async () => {
    const { server } = await startContractsBackend({
      entities: await loadExampleEntities(),
      contracts: {
        decisions: { maxEventLoopDelay: 2000, eventLoopSampleInterval: 1000 },
      },
    });
    const write = () =>
      request(server)
        .post('/api/contracts/decisions')
        .set(as(USERS.GUEST))
        .send({ findingId: 'no-such-finding' });
    // admitted on a free loop: the route itself answers (an unknown finding)
    let admitted = await write();
    for (let i = 0; i < 50 && admitted.status === 503; i++) {
      await sleep(200);
      admitted = await write();
    }
    expect(admitted.status).not.toBe(503);

    block(3000);
    let refused = await write();
    for (let i = 0; i < 30 && refused.status !== 503; i++) {
      await sleep(20);
      refused = await write();
    }
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    // reads pass
    expect(
      (
        await request(server)
          .get('/api/contracts/decisions')
          .set(as(USERS.GUEST))
      ).status,
    ).toBe(200);
  }, 120_000);

  it("limits the rate of the plugin's decision writes by the loop's utilization (the real backend, contracts.decisions.maxEventLoopUtilization)", async () => {
    const { server } = await startContractsBackend({
      entities: await loadExampleEntities(),
      contracts: {
        // a bound no test process stays under: the rate falls to its floor
        decisions: {
          maxEventLoopUtilization: 0.001,
          utilizationSampleInterval: 10,
        },
      },
    });
    const write = () =>
      request(server)
        .post('/api/contracts/decisions')
        .set(as(USERS.GUEST))
        .send({ findingId: 'no-such-finding' });
    // a burst: the bucket holds at most one interval's writes
    const answers = await Promise.all(Array.from({ length: 20 }, write));
    const refused = answers.find(r => r.status === 503);
    expect(refused?.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(refused?.body.error.message).toMatch(/maxEventLoopUtilization/);
    // the first to come is admitted: the route itself answers (an unknown finding)
    expect(answers.some(r => r.status !== 503)).toBe(true);
    expect(
      (
        await request(server)
          .get('/api/contracts/decisions')
          .set(as(USERS.GUEST))
      ).status,
    ).toBe(200);
  }, 120_000);
});
