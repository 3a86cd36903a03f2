/*
 * Units the standards write durations in. A unit means different things by property: `m` is
 * minutes in a freshness (ODCS `latency`, datacontract.com `threshold`) and months in a
 * retention, as ODCS itself uses it.
 */
import { formatDuration, parseDurationText } from '../parser/grammar';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Units of a freshness or latency, lower-cased: `m` is minutes. */
const FRESHNESS_UNITS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: SECOND,
  sec: SECOND,
  second: SECOND,
  seconds: SECOND,
  m: MINUTE,
  min: MINUTE,
  mins: MINUTE,
  minute: MINUTE,
  minutes: MINUTE,
  h: HOUR,
  hr: HOUR,
  hrs: HOUR,
  hour: HOUR,
  hours: HOUR,
  d: DAY,
  day: DAY,
  days: DAY,
  w: 7 * DAY,
  week: 7 * DAY,
  weeks: 7 * DAY,
};

/** Units of a retention, in days, lower-cased: `m` is months. */
const RETENTION_UNITS_DAYS: Record<string, number> = {
  d: 1,
  day: 1,
  days: 1,
  w: 7,
  week: 7,
  weeks: 7,
  m: 30,
  mo: 30,
  month: 30,
  months: 30,
  y: 365,
  yr: 365,
  year: 365,
  years: 365,
};

export type UnitReading = { ms: number } | { error: string };

/**
 * A freshness (or data latency) of `value` in `unit` (ODCS `slaProperties`): `m` is minutes.
 * A unit that reads as months or years in a freshness is ambiguous, not read.
 */
export function freshnessMs(
  value: number,
  unit: string | undefined,
): UnitReading {
  if (!(value > 0))
    return { error: `expected a positive number, got ${value}` };
  if (unit === undefined)
    return {
      error:
        'no `unit`: a freshness needs one (`ms`, `s`, `m` for minutes, `h`, `d`)',
    };
  const factor = FRESHNESS_UNITS[unit.trim().toLowerCase()];
  if (factor === undefined) {
    return {
      error: `unknown unit \`${unit}\` for a freshness: expected \`ms\`, \`s\`, \`m\` (minutes), \`h\`, \`d\` or \`w\`${
        /^(mo|months?|y|yr|years?)$/i.test(unit.trim())
          ? ` (\`${unit}\` is a retention's unit)`
          : ''
      }`,
    };
  }
  return { ms: value * factor };
}

/** A retention of `value` in `unit`, in days: `m` is months (30 days). */
export function retentionDays(
  value: number,
  unit: string | undefined,
): { days: number } | { error: string } {
  if (!(value > 0))
    return { error: `expected a positive number, got ${value}` };
  const factor =
    unit === undefined
      ? undefined
      : RETENTION_UNITS_DAYS[unit.trim().toLowerCase()];
  if (factor === undefined) {
    return {
      error: `${
        unit === undefined ? 'no `unit`' : `unknown unit \`${unit}\``
      } for a retention: expected \`d\`, \`w\`, \`m\` (months) or \`y\``,
    };
  }
  return { days: value * factor };
}

const ISO_DURATION =
  /^P(?!$)(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;
/** Prometheus durations (Pyrra `latency`), `d` and `w` beside our `ms`/`s`/`m`/`h`. */
const PROM_DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;

/**
 * A duration as the standards write it: ours (`25h`, `500ms`, `2m` = minutes), Prometheus
 * (`1d`, `2w`) or ISO 8601 without years or months (`PT25H`, `P1D`). Years and months are no
 * fixed length: a problem.
 */
export function durationMs(written: string): UnitReading {
  const trimmed = written.trim();
  const iso = ISO_DURATION.exec(trimmed);
  if (iso) {
    const [w, d, h, m, s] = iso.slice(1).map(v => (v ? Number(v) : 0));
    const ms = w * 7 * DAY + d * DAY + h * HOUR + m * MINUTE + s * SECOND;
    return ms > 0
      ? { ms }
      : { error: `\`${trimmed}\` is no positive duration` };
  }
  if (/^P/i.test(trimmed)) {
    return {
      error: `\`${trimmed}\` is not an ISO 8601 duration of fixed length (weeks, days, hours, minutes, seconds)`,
    };
  }
  const prom = PROM_DURATION.exec(trimmed);
  if (prom && (prom[2] === 'd' || prom[2] === 'w')) {
    return { ms: Number(prom[1]) * (prom[2] === 'd' ? DAY : 7 * DAY) };
  }
  const ours = parseDurationText(trimmed);
  if (ours.value !== undefined && ours.value > 0) return { ms: ours.value };
  return {
    error: `expected a duration such as \`25h\`, \`30m\` or \`PT1H\`, got \`${trimmed}\``,
  };
}

/** How an imported freshness is written in messages: `4h max`. */
export function freshnessRaw(ms: number): string {
  return `${formatDuration(ms)} max`;
}
