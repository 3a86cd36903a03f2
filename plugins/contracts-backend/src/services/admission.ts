import type { Config } from '@backstage/config';
import type { RequestHandler } from 'express';
import { monitorEventLoopDelay } from 'node:perf_hooks';

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
}

/**
 * `contracts.decisions.maxEventLoopDelay` (ms, 0 or absent: off) and
 * `contracts.decisions.eventLoopSampleInterval` (ms, default 500).
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
  return {
    maxEventLoopDelayMs: read('maxEventLoopDelay', 0, 0),
    sampleIntervalMs: read('eventLoopSampleInterval', 500, 10),
    retryAfterSeconds: 1,
  };
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
 */
export class EventLoopAdmission {
  readonly #settings: EventLoopAdmissionSettings;
  #histogram?: EventLoopHistogram;
  #timer?: NodeJS.Timeout;
  #delayMs = 0;

  constructor(settings: EventLoopAdmissionSettings) {
    this.#settings = settings;
  }

  /** Whether it refuses anything (a bound is set). */
  get enabled(): boolean {
    return this.#settings.maxEventLoopDelayMs > 0;
  }

  /** Starts sampling (nothing when no bound is set). Idempotent. */
  start(): void {
    if (!this.enabled || this.#histogram) return;
    const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    histogram.enable();
    this.#histogram = histogram;
    this.#timer = setInterval(() => {
      this.#delayMs = Math.max(0, histogram.max / 1e6 - RESOLUTION_MS);
      histogram.reset();
    }, this.#settings.sampleIntervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#histogram?.disable();
    this.#histogram = undefined;
    this.#timer = undefined;
    this.#delayMs = 0;
  }

  /** The event loop's longest delay in the last sample, ms. */
  get delayMs(): number {
    return this.#delayMs;
  }

  /** Whether writes are refused now. */
  get underPressure(): boolean {
    return this.enabled && this.#delayMs > this.#settings.maxEventLoopDelayMs;
  }

  /**
   * Express middleware: 503 with Retry-After for the requests `guards` picks while the loop is
   * under pressure; the others, and every request otherwise, pass.
   */
  middleware(
    guards: (req: { method: string; path: string }) => boolean,
  ): RequestHandler {
    return (req, res, next) => {
      if (!this.underPressure || !guards(req)) {
        next();
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
