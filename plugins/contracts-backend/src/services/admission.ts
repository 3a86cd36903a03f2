import type { Config } from '@backstage/config';
import type { RequestHandler } from 'express';
import {
  type EventLoopUtilization,
  monitorEventLoopDelay,
  performance,
} from 'node:perf_hooks';

/** The histogram monitorEventLoopDelay returns (named differently across @types/node versions). */
type EventLoopHistogram = ReturnType<typeof monitorEventLoopDelay>;

/** The histogram's resolution, ms: a tick is late by what it took beyond this. */
const RESOLUTION_MS = 10;

/** Settings of {@link EventLoopAdmission}, from `contracts.decisions.*`. */
export interface EventLoopAdmissionSettings {
  /**
   * Writes are refused (503 with Retry-After) while the host's event loop was held longer than
   * this in the last sample, ms; 0: never (the default).
   */
  maxEventLoopDelayMs: number;
  /** How often the delay is sampled, ms (each sample covers the time since the last). */
  sampleIntervalMs: number;
  /** The Retry-After of a refused write, s. */
  retryAfterSeconds: number;
  /**
   * The share of the time the host's event loop may be busy (0–1) before writes are admitted at
   * a lower rate; 0 or absent: no such bound (the default). See {@link WriteRateController}.
   */
  maxEventLoopUtilization?: number;
  /** How often the utilization is measured and the write rate set, ms (default 100). */
  utilizationIntervalMs?: number;
  /**
   * The most writes the host admits per second, whatever its utilization; 0 or absent: no such
   * bound (the default). Alone, writes are admitted at this rate; with
   * `maxEventLoopUtilization`, the rate that follows the utilization never exceeds it.
   */
  maxWritesPerSecond?: number;
  /**
   * How long a write beyond the write rate may wait for its turn, ms, before it is refused
   * instead (default {@link ADMISSION_WAIT_MS}; 0: refused at once). Writers are paced to the
   * rate rather than sent away: a refusal costs the host the request's token check and log line
   * too, and a closed-loop writer told to come back in whole seconds leaves the rate unused.
   */
  admissionWaitMs?: number;
}

/** The default of {@link EventLoopAdmissionSettings.admissionWaitMs}. */
export const ADMISSION_WAIT_MS = 2000;

/**
 * `contracts.decisions.maxEventLoopDelay` (ms, 0 or absent: off),
 * `contracts.decisions.eventLoopSampleInterval` (ms, default 500),
 * `contracts.decisions.maxEventLoopUtilization` (0–1, 0 or absent: off),
 * `contracts.decisions.utilizationSampleInterval` (ms, default 100) and
 * `contracts.decisions.maxWritesPerSecond` (writes/s per host, 0 or absent: off).
 */
export function readEventLoopAdmissionSettings(
  config: Config | undefined,
): EventLoopAdmissionSettings {
  const decisions = config?.getOptionalConfig('contracts.decisions');
  const read = (key: string, fallback: number, min: number) => {
    const value = decisions?.getOptionalNumber(key) ?? fallback;
    if (!Number.isFinite(value) || value < min) {
      throw new Error(
        `contracts.decisions.${key} must be a number of milliseconds of ${min} or more`,
      );
    }
    return value;
  };
  const utilization =
    decisions?.getOptionalNumber('maxEventLoopUtilization') ?? 0;
  if (!Number.isFinite(utilization) || utilization < 0 || utilization >= 1) {
    throw new Error(
      'contracts.decisions.maxEventLoopUtilization must be a share of the time from 0 (off) up to, not including, 1',
    );
  }
  const maxWrites = decisions?.getOptionalNumber('maxWritesPerSecond') ?? 0;
  if (!Number.isFinite(maxWrites) || maxWrites < 0) {
    throw new Error(
      'contracts.decisions.maxWritesPerSecond must be a number of writes per second, 0 (off) or more',
    );
  }
  return {
    maxEventLoopDelayMs: read('maxEventLoopDelay', 0, 0),
    sampleIntervalMs: read('eventLoopSampleInterval', 500, 10),
    retryAfterSeconds: 1,
    maxEventLoopUtilization: utilization,
    utilizationIntervalMs: read('utilizationSampleInterval', 100, 10),
    maxWritesPerSecond: maxWrites,
    admissionWaitMs: ADMISSION_WAIT_MS,
  };
}

/** The write rate's bounds, writes/s per host. */
const MIN_RATE = 1;
const MAX_RATE = 10_000;
/** The rate a controller starts at, writes/s. */
const START_RATE = 20;
/** The longest Retry-After of a write refused by the rate, s. */
const MAX_RETRY_AFTER_S = 10;
/** The weight of each interval's refusals in their smoothed rate (≈ a second at 100 ms). */
const REFUSAL_SMOOTHING = 0.1;

/**
 * The rate at which a host admits writes, set from its event loop's utilization (the share of
 * the time the loop was busy, `performance.eventLoopUtilization`) every interval — a token
 * bucket whose rate follows the measured cost of the writes instead of a fixed guess of it.
 * After an interval above the target, the rate is cut in proportion (target / utilization, by
 * half at most); after one below it, when writes were refused or waited for their turn
 * meanwhile (the demand is above the rate), it grows in proportion too (by a quarter at most, plus one write/s). A host whose
 * writes cost more CPU, or whose loop other work keeps busy (its reads, a recompute, another
 * process on the same cores stretching each task), admits fewer. The bucket holds one
 * interval's writes (at least one): a burst is spread, not let through at once.
 *
 * Without a target, the rate is `maxRate`, fixed (a configured write rate); with both, the rate
 * that follows the utilization never exceeds `maxRate`.
 *
 * Pure state: {@link WriteRateController.observe} takes a measured utilization and
 * {@link WriteRateController.tryAdmit} the current time, so that it is tested without timing.
 */
export class WriteRateController {
  #rate: number;
  #tokens = 1;
  #last?: number;
  #refused = 0;
  #refusedInInterval = 0;
  /** Writes that waited for their turn in the interval: demand above the rate, as refusals. */
  #waitedInInterval = 0;
  #admitted = 0;
  #utilization = 0;
  /** Refusals per second, smoothed over about a second. */
  #refusalRate = 0;
  #retryAfter = 1;

  constructor(
    private readonly options: {
      /** The target utilization, 0–1; absent: the rate is `maxRate`. */
      target?: number;
      /** The highest rate, writes/s; required without a target. */
      maxRate?: number;
      /** The interval between observations, ms. */
      intervalMs: number;
    },
  ) {
    if (!options.target && !(options.maxRate! > 0)) {
      throw new Error('A write rate needs a target utilization or a maxRate');
    }
    this.#rate = options.target
      ? Math.min(START_RATE, this.#maxRate)
      : this.#maxRate;
  }

  get #maxRate(): number {
    return this.options.maxRate || MAX_RATE;
  }

  /** Writes per second admitted now. */
  get rate(): number {
    return this.#rate;
  }

  /** The utilization of the last interval. */
  get utilization(): number {
    return this.#utilization;
  }

  /** Writes admitted since the controller was made. */
  get admittedTotal(): number {
    return this.#admitted;
  }

  /** Writes refused since the controller was made. */
  get refusedTotal(): number {
    return this.#refused;
  }

  private burst() {
    return Math.max(1, (this.#rate * this.options.intervalMs) / 1000);
  }

  /** Takes a token for one write at `now` (ms, monotonic), if there is one. */
  tryAdmit(now: number): boolean {
    return this.reserve(now, 0) === 0;
  }

  /**
   * Takes a token for one write at `now` (ms, monotonic), waiting up to `maxWaitMs` for it:
   * the time the write is to wait before it goes, ms (0: at once), or undefined when its turn
   * would come later than that (refused). A wait borrows the token ahead (the bucket goes
   * below zero), so the writes waiting go out one per 1/rate s, in the order they came.
   */
  reserve(now: number, maxWaitMs: number): number | undefined {
    const elapsed = this.#last === undefined ? 0 : now - this.#last;
    this.#last = now;
    this.#tokens = Math.min(
      this.burst(),
      this.#tokens + (Math.max(0, elapsed) * this.#rate) / 1000,
    );
    const wait =
      this.#tokens >= 1 ? 0 : ((1 - this.#tokens) * 1000) / this.#rate;
    if (wait > maxWaitMs) {
      this.#refused++;
      this.#refusedInInterval++;
      return undefined;
    }
    this.#tokens -= 1;
    this.#admitted++;
    if (wait > 0) this.#waitedInInterval++;
    return wait;
  }

  /** The utilization of the interval that just ended: sets the rate for the next. */
  observe(utilization: number): void {
    const { target } = this.options;
    const u = Math.min(1, Math.max(0, utilization));
    this.#utilization = u;
    if (!target) {
      // a fixed rate
    } else if (u > target) {
      this.#rate = Math.max(
        Math.min(MIN_RATE, this.#maxRate),
        this.#rate * Math.max(0.5, target / u),
      );
    } else if (this.#refusedInInterval > 0 || this.#waitedInInterval > 0) {
      const up = u > 0 ? Math.min(1.25, target / u) : 1.25;
      this.#rate = Math.min(this.#maxRate, this.#rate * up + 1);
    }
    // The writers waiting: each is refused about once per Retry-After, so about
    // refusals/s × Retry-After of them; spread their next tries over the time the rate takes
    // to admit them all, instead of having them all come back each second.
    const perSecond =
      (this.#refusedInInterval * 1000) / this.options.intervalMs;
    this.#refusalRate += REFUSAL_SMOOTHING * (perSecond - this.#refusalRate);
    const waiting = this.#refusalRate * this.#retryAfter;
    this.#retryAfter = Math.max(
      1,
      Math.min(MAX_RETRY_AFTER_S, Math.ceil(waiting / this.#rate)),
    );
    this.#refusedInInterval = 0;
    this.#waitedInInterval = 0;
    this.#tokens = Math.min(this.#tokens, this.burst());
  }

  /**
   * How long a refused write should wait before it is sent again, whole seconds (1 to
   * {@link MAX_RETRY_AFTER_S}): about the time the current rate takes to admit the writers
   * waiting (estimated from the refusals), so that a refusal is not repeated every second by
   * each of them — a refusal too costs the host a token check and a log line.
   */
  retryAfterSeconds(): number {
    return this.#retryAfter;
  }
}

/**
 * Back-pressure on writes by the host's event loop, in the spirit of `@fastify/under-pressure`:
 * the loop's delay is measured with `perf_hooks.monitorEventLoopDelay` and sampled every
 * `sampleIntervalMs`; while the last sample's longest delay (how long the loop was held at a
 * time, beyond the histogram's 10 ms resolution) exceeds `maxEventLoopDelayMs`, the requests it
 * guards are answered 503 with Retry-After, before any work is spent on them. Every other
 * request of the host (the catalog's, the portal's reads) keeps the loop; writers slow down
 * instead. A blocked loop shows at the first sample after it: the sampler is a timer of the same
 * loop.
 *
 * With `maxEventLoopUtilization`, writes are also admitted at a rate that keeps the loop's
 * utilization near that share ({@link WriteRateController}, measured every
 * `utilizationIntervalMs`): 503 with Retry-After beyond the rate. Either bound may be set alone.
 */
export class EventLoopAdmission {
  readonly #settings: EventLoopAdmissionSettings;
  #histogram?: EventLoopHistogram;
  #timer?: NodeJS.Timeout;
  #delayMs = 0;
  /** The write rate by utilization; absent without `maxEventLoopUtilization`. */
  readonly #rate?: WriteRateController;
  #rateTimer?: NodeJS.Timeout;
  readonly #now: () => number;

  constructor(
    settings: EventLoopAdmissionSettings,
    options: {
      /** The clock of the write rate's tokens, ms (tests); `performance.now` by default. */
      now?: () => number;
    } = {},
  ) {
    this.#settings = settings;
    this.#now = options.now ?? (() => performance.now());
    if (settings.maxEventLoopUtilization || settings.maxWritesPerSecond) {
      this.#rate = new WriteRateController({
        target: settings.maxEventLoopUtilization || undefined,
        maxRate: settings.maxWritesPerSecond || undefined,
        intervalMs: settings.utilizationIntervalMs ?? 100,
      });
    }
  }

  /** Whether it refuses anything (a bound is set). */
  get enabled(): boolean {
    return this.#settings.maxEventLoopDelayMs > 0 || this.#rate !== undefined;
  }

  /** The write rate, when `maxEventLoopUtilization` or `maxWritesPerSecond` is set. */
  get rateController(): WriteRateController | undefined {
    return this.#rate;
  }

  /** Starts sampling (nothing when no bound is set). Idempotent. */
  start(): void {
    if (this.#settings.maxEventLoopDelayMs > 0 && !this.#histogram) {
      const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
      histogram.enable();
      this.#histogram = histogram;
      this.#timer = setInterval(() => {
        this.#delayMs = Math.max(0, histogram.max / 1e6 - RESOLUTION_MS);
        histogram.reset();
      }, this.#settings.sampleIntervalMs);
      this.#timer.unref();
    }
    const rate = this.#rate;
    if (rate && !this.#rateTimer) {
      let last: EventLoopUtilization = performance.eventLoopUtilization();
      this.#rateTimer = setInterval(() => {
        const now = performance.eventLoopUtilization();
        rate.observe(performance.eventLoopUtilization(now, last).utilization);
        last = now;
      }, this.#settings.utilizationIntervalMs ?? 100);
      this.#rateTimer.unref();
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    clearInterval(this.#rateTimer);
    this.#histogram?.disable();
    this.#histogram = undefined;
    this.#timer = undefined;
    this.#rateTimer = undefined;
    this.#delayMs = 0;
  }

  /** Which bound set the write rate, for the message of a refusal. */
  #why(rate: WriteRateController): string {
    const { maxEventLoopUtilization: u, maxWritesPerSecond: max } =
      this.#settings;
    const parts: string[] = [];
    if (u) {
      parts.push(
        `its event loop was busy ${Math.round(
          rate.utilization * 100,
        )}% of the time, contracts.decisions.maxEventLoopUtilization ${u}`,
      );
    }
    if (max) parts.push(`contracts.decisions.maxWritesPerSecond ${max}`);
    return parts.join('; ');
  }

  /** The event loop's longest delay in the last sample, ms. */
  get delayMs(): number {
    return this.#delayMs;
  }

  /** Whether writes are refused now because the loop was held (maxEventLoopDelay). */
  get underPressure(): boolean {
    return (
      this.#settings.maxEventLoopDelayMs > 0 &&
      this.#delayMs > this.#settings.maxEventLoopDelayMs
    );
  }

  /**
   * Express middleware: 503 with Retry-After for the requests `guards` picks while the loop is
   * under pressure; the others, and every request otherwise, pass.
   */
  middleware(
    guards: (req: { method: string; path: string }) => boolean,
  ): RequestHandler {
    return (req, res, next) => {
      if (!this.enabled || !guards(req)) {
        next();
        return;
      }
      const rate = this.#rate;
      if (!this.underPressure) {
        const wait = rate
          ? rate.reserve(this.#now(), this.#settings.admissionWaitMs ?? 0)
          : 0;
        if (wait === 0) {
          next();
          return;
        }
        if (wait !== undefined) {
          // its turn under the rate; dropped if the client goes away meanwhile
          const timer = setTimeout(next, wait);
          res.once('close', () => clearTimeout(timer));
          return;
        }
        const retry = rate!.retryAfterSeconds();
        res.set('Retry-After', String(retry));
        res.status(503).json({
          error: {
            name: 'ServiceUnavailableError',
            message: `This server is busy (${this.#why(
              rate!,
            )}; it admits ${rate!.rate.toFixed(
              1,
            )} writes/s now); try again in ${retry} s`,
          },
          response: { statusCode: 503 },
        });
        return;
      }
      const retry = this.#settings.retryAfterSeconds;
      res.set('Retry-After', String(retry));
      res.status(503).json({
        error: {
          name: 'ServiceUnavailableError',
          message: `This server is busy (its event loop was held ${Math.round(
            this.#delayMs,
          )} ms, more than contracts.decisions.maxEventLoopDelay ${
            this.#settings.maxEventLoopDelayMs
          } ms); try again in ${retry} s`,
        },
        response: { statusCode: 503 },
      });
    };
  }
}

/** The decision writes: every request under /decisions other than a read. */
export const isDecisionWrite = (req: { method: string; path: string }) =>
  !['GET', 'HEAD', 'OPTIONS'].includes(req.method) &&
  (req.path === '/decisions' || req.path.startsWith('/decisions/'));
