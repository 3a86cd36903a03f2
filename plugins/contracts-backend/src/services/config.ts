import { type Config, readDurationFromConfig } from '@backstage/config';
import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  type SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { DEFAULT_CATALOG_READ_TIMEOUT_MS } from './ContractsGraphService';
import { validEntityRef } from './entityModel';
import type {
  EngineConfig,
  Severity,
} from '@backstage-contracts/plugin-contracts-common';

/** The plugin's settings, read from `contracts.*` with their defaults. */
export interface ContractsSettings {
  schedule: SchedulerServiceTaskScheduleDefinition;
  refreshIntervalMs: number;
  /** The longest one catalog read may take (`contracts.catalogReadTimeout`). */
  catalogReadTimeoutMs: number;
  /**
   * How long one caller's catalog read permission answers are kept
   * (`contracts.permissions.visibilityCacheSeconds`); 0: not kept.
   */
  visibilityCacheMs: number;
  engine: EngineConfig;
  decisions: {
    /** The most records one finding may have (409 beyond). */
    maxPerFinding: number;
    /** Writes one user may make per window, per replica (429 beyond). */
    writesPerWindow: number;
    windowMs: number;
    /** How often every replica reads the others' decision writes from the change log. */
    syncIntervalMs: number;
    /** Writes one replica handles at a time. */
    concurrentWrites: number;
    /** Writes that may wait for a slot, per replica (503 beyond). */
    writeQueue: number;
  };
}

/**
 * A duration of config in milliseconds, as `durationToMilliseconds` of `@backstage/types` counts
 * it (not a dependency of this package): a year 365 days, a month 30.
 */
export function toMilliseconds(
  d: ReturnType<typeof readDurationFromConfig>,
): number {
  const days =
    (d.years ?? 0) * 365 +
    (d.months ?? 0) * 30 +
    (d.weeks ?? 0) * 7 +
    (d.days ?? 0);
  const minutes = (days * 24 + (d.hours ?? 0)) * 60 + (d.minutes ?? 0);
  return (minutes * 60 + (d.seconds ?? 0)) * 1000 + (d.milliseconds ?? 0);
}

/** `contracts.catalogReadTimeout`: seconds, or a duration ('5s', 'PT5S', { seconds: 5 }). */
function readCatalogReadTimeoutMs(config: Config | undefined): number {
  const key = 'catalogReadTimeout';
  if (!config?.has(key)) return DEFAULT_CATALOG_READ_TIMEOUT_MS;
  const value = config.get(key);
  const ms =
    typeof value === 'number'
      ? value * 1000
      : toMilliseconds(readDurationFromConfig(config, { key }));
  if (!(ms > 0) || !Number.isFinite(ms)) {
    throw new Error(`contracts.${key} must be a positive duration`);
  }
  return ms;
}

const SEVERITIES: Severity[] = ['error', 'warning', 'tradeoff', 'info'];

export function readContractsSettings(root: Config): ContractsSettings {
  const config = root.getOptionalConfig('contracts');
  const schedule: SchedulerServiceTaskScheduleDefinition = config?.has(
    'schedule',
  )
    ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
        config.getConfig('schedule'),
      )
    : {
        frequency: { minutes: 5 },
        timeout: { minutes: 2 },
        initialDelay: { seconds: 15 },
      };
  const engine: EngineConfig = {};
  const rules = config?.getOptionalConfig('rules');
  if (rules) {
    engine.rules = {};
    for (const id of rules.keys()) {
      const rule = rules.getConfig(id);
      const severity = rule.getOptionalString('severity');
      if (
        severity !== undefined &&
        !SEVERITIES.includes(severity as Severity)
      ) {
        throw new Error(
          `contracts.rules.${id}.severity must be one of ${SEVERITIES.join(
            ', ',
          )}`,
        );
      }
      engine.rules[id] = {
        ...(severity ? { severity: severity as Severity } : {}),
        ...(rule.has('enabled') ? { enabled: rule.getBoolean('enabled') } : {}),
      };
    }
  }
  const bound = config?.getOptionalNumber('retryAmplificationBound');
  if (bound !== undefined) engine.retryAmplificationBound = bound;
  const tolerance = config?.getOptionalNumber('runtime.prometheus.tolerance');
  if (tolerance !== undefined) engine.promiseDriftTolerance = tolerance;
  const deciders = config?.getOptionalConfig('deciders');
  if (deciders) {
    engine.deciders = {};
    for (const id of deciders.keys()) {
      engine.deciders[id] = deciders.getStringArray(id).map((ref, i) => {
        const valid = validEntityRef(ref);
        if (!valid) {
          throw new Error(
            `contracts.deciders.${id}[${i}] must be an entity ref such as group:default/security-team, not ${JSON.stringify(
              ref,
            )}`,
          );
        }
        return valid;
      });
    }
  }
  const decisions = config?.getOptionalConfig('decisions');
  const whole = (key: string, fallback: number, min: 0 | 1 = 1) => {
    const value = decisions?.getOptionalNumber(key) ?? fallback;
    if (!Number.isInteger(value) || value < min) {
      throw new Error(
        `contracts.decisions.${key} must be a whole number ${
          min ? 'above 0' : 'of 0 or more'
        }`,
      );
    }
    return value;
  };
  const positive = (key: string, fallback: number) => whole(key, fallback);
  return {
    schedule,
    refreshIntervalMs:
      (config?.getOptionalNumber('refreshIntervalSeconds') ?? 3) * 1000,
    catalogReadTimeoutMs: readCatalogReadTimeoutMs(config),
    visibilityCacheMs: (() => {
      const seconds =
        config?.getOptionalNumber('permissions.visibilityCacheSeconds') ?? 5;
      if (!(seconds >= 0 && seconds <= 60)) {
        throw new Error(
          'contracts.permissions.visibilityCacheSeconds must be between 0 and 60',
        );
      }
      return seconds * 1000;
    })(),
    engine,
    decisions: {
      maxPerFinding: positive('maxPerFinding', 100),
      writesPerWindow: positive('writesPerMinute', 30),
      windowMs: 60_000,
      concurrentWrites: positive('concurrentWrites', 2),
      writeQueue: whole('writeQueue', 32, 0),
      syncIntervalMs: (() => {
        const seconds =
          decisions?.getOptionalNumber('syncIntervalSeconds') ?? 1;
        if (!(seconds >= 0.1)) {
          throw new Error(
            'contracts.decisions.syncIntervalSeconds must be at least 0.1',
          );
        }
        return seconds * 1000;
      })(),
    },
  };
}
