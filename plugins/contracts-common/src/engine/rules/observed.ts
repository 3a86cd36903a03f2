/*
 * What `promise-drift` and `need-at-risk` say about an observation: the measured value beside
 * the declared one, the window, the query and how old the value is.
 */
import type { EntityContract, Observation } from '../../types';
import { formatWindow } from '../../runtime/measurements';
import { formatMs, formatPercentile } from '../format';

/** Observations of a contract that have a value (the last good one, when the query fails now). */
export function observedValues(
  contract: EntityContract | undefined,
  kind: Observation['kind'],
  subject: string,
): Observation[] {
  return (contract?.observed ?? []).filter(
    o => o.kind === kind && o.subject === subject && o.value !== undefined,
  );
}

/**
 * `4012ms`: observed values in whole milliseconds below 10 s (as latencies are declared, so
 * that the two read side by side), in whole seconds above.
 */
export function formatObserved(ms: number): string {
  return ms >= 10_000
    ? formatMs(Math.round(ms / 1000) * 1000)
    : `${Math.round(ms)}ms`;
}

/** `99.71%`: an observed availability, to three decimals at most (as availabilities are declared). */
export function formatPercent(percent: number): string {
  return `${Math.round(percent * 1000) / 1000}%`;
}

/**
 * An observed value as its kind reads: `4012ms`, `75s`, `99.71%` (as the findings and the
 * Contracts card word it).
 * @public
 */
export function formatObservedValue(o: Observation, value: number): string {
  return o.kind === 'availability'
    ? formatPercent(value)
    : formatObserved(value);
}

/** `p95 4012ms` / `age 75s` / `availability 99.71%`. */
export function observedQuantity(o: Observation, ms: number): string {
  if (o.kind === 'availability') return `availability ${formatPercent(ms)}`;
  return o.kind === 'latency'
    ? `${formatPercentile(o.percentile ?? 95)} ${formatObserved(ms)}`
    : `age ${formatObserved(ms)}`;
}

/** `Prometheus measured 4012ms over 7 d` */
export function measured(o: Observation): string {
  return `Prometheus measured ${formatObservedValue(
    o,
    o.value!,
  )} over ${formatWindow(o.windowMs)}`;
}

/** The lines naming the measurement: its query, where, when; and its status when not ok. */
export function measurementLines(o: Observation): string[] {
  const lines = [
    `Measurement: ${o.query} (${o.source}, ${formatWindow(o.windowMs)} window)`,
  ];
  if (o.status !== 'ok') {
    lines.push(
      `Last good measurement at ${o.measuredAt}; the query is ${
        o.status
      } since: ${o.error ?? o.status}`,
    );
  } else if (o.measuredAt) {
    lines.push(`Measured at ${o.measuredAt}`);
  }
  return lines;
}
