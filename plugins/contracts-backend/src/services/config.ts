import type {
  Config,
} from '@backstage/config';
import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  type SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import type {
  EngineConfig,
  Severity,
} from '@internal/backstage-plugin-contracts-common';

/** The plugin's settings, read from `contracts.*` with their defaults. */
export interface ContractsSettings {
  schedule: SchedulerServiceTaskScheduleDefinition;
  refreshIntervalMs: number;
  engine: EngineConfig;
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
      if (severity !== undefined && !SEVERITIES.includes(severity as Severity)) {
        throw new Error(
          `contracts.rules.${id}.severity must be one of ${SEVERITIES.join(', ')}`,
        );
      }
      engine.rules[id] = {
        ...(severity ? { severity: severity as Severity } : {}),
        ...(rule.has('enabled')
          ? { enabled: rule.getBoolean('enabled') }
          : {}),
      };
    }
  }
  const bound = config?.getOptionalNumber('retryAmplificationBound');
  if (bound !== undefined) engine.retryAmplificationBound = bound;
  const deciders = config?.getOptionalConfig('deciders');
  if (deciders) {
    engine.deciders = {};
    for (const id of deciders.keys()) {
      engine.deciders[id] = deciders.getStringArray(id);
    }
  }
  return {
    schedule,
    refreshIntervalMs:
      (config?.getOptionalNumber('refreshIntervalSeconds') ?? 3) * 1000,
    engine,
  };
}
