import type { Config } from '@backstage/config';

/** `contracts.history.*` with their defaults. */
export interface HistorySettings {
  /** Whether recomputes are recorded (the route answers what was recorded either way). */
  enabled: boolean;
  /** Changes older than this many days are deleted. */
  retentionDays: number;
  /** The most events kept in all; the oldest changes go first beyond. */
  maxEvents: number;
}

/** Reads `contracts.history.*`; a clear error for a value out of range. */
export function readHistorySettings(root: Config): HistorySettings {
  const config = root.getOptionalConfig('contracts.history');
  const whole = (key: string, fallback: number) => {
    const value = config?.getOptionalNumber(key) ?? fallback;
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(
        `contracts.history.${key} must be a whole number above 0`,
      );
    }
    return value;
  };
  return {
    enabled: config?.getOptionalBoolean('enabled') ?? true,
    retentionDays: whole('retentionDays', 90),
    maxEvents: whole('maxEvents', 100_000),
  };
}
