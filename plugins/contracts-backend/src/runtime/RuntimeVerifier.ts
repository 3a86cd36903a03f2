import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  type EntityContract,
  keepLastGood,
  measureAll,
  type Observation,
  observationKey,
  planMeasurements,
} from '@backstage-contracts/plugin-contracts-common';
import type { PrometheusRuntimeConfig } from './config';
import type { DatabaseObservationsStore } from './DatabaseObservationsStore';

/** Runs missed before an observation shows as stale (the task stopped, no replica runs it). */
const STALE_AFTER_INTERVALS = 3;

/**
 * Runtime verification: measures every bound promise of the catalog's contracts in Prometheus
 * and stores what it measured, keeping the last good value of a measurement that fails now
 * (with its age: `measuredAt`). Run by one replica at a time (a scheduler task).
 */
export class RuntimeVerifier {
  constructor(
    private readonly options: {
      store: DatabaseObservationsStore;
      config: PrometheusRuntimeConfig;
      logger: LoggerService;
    },
  ) {}

  /** Measures the bound promises of `contracts`; returns and stores the observations by lower-cased ref. */
  async run(
    contracts: EntityContract[],
    options: { signal?: AbortSignal; now?: Date } = {},
  ): Promise<Map<string, Observation[]>> {
    const { store, config, logger } = this.options;
    const started = Date.now();
    const previous = await store.all();
    const plan = planMeasurements(contracts, config.settings);
    const measured = await measureAll(plan, config.endpoints, config.settings, {
      signal: options.signal,
      now: options.now,
    });
    const out = new Map<string, Observation[]>();
    const counts: Record<string, number> = {};
    for (const [ref, list] of measured) {
      const k = ref.toLowerCase();
      const before = new Map(
        (previous.get(k) ?? []).map(o => [observationKey(o), o]),
      );
      out.set(
        k,
        list.map(o => {
          counts[o.status] = (counts[o.status] ?? 0) + 1;
          if (o.status !== 'ok') {
            logger.warn(
              'Contracts runtime verification: a measurement failed',
              {
                entity: ref,
                subject: o.subject,
                percentile: o.percentile,
                status: o.status,
                error: o.error,
                query: o.query,
              },
            );
          }
          return {
            ...keepLastGood(before.get(observationKey(o)), o),
            staleAfter: new Date(
              Date.parse(o.checkedAt) +
                STALE_AFTER_INTERVALS * config.intervalMs,
            ).toISOString(),
          };
        }),
      );
    }
    options.signal?.throwIfAborted();
    await store.replaceAll(out);
    logger.info('Contracts runtime verification done', {
      measurements: plan.length,
      ...counts,
      durationMs: Date.now() - started,
    });
    return out;
  }
}
