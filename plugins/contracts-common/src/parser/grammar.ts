/**
 * The value grammar of the contract language: durations, percentiles, latency budgets, measured
 * latencies, freshness guarantees and retries. Pure string functions: each returns the value it
 * could read and one message per fault, so a caller can keep the valid part of a list.
 */
import type { Freshness, PercentileLatency } from '../types';

/**
 * What a grammar function read: `value` when something valid was read (possibly only part of a
 * list), and one message per fault found.
 * @public
 */
export interface GrammarResult<T> {
  value?: T;
  errors: string[];
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Spellings people write for a unit, mapped to the unit the grammar wants. */
const UNIT_ALIASES: Record<string, string> = {
  msec: 'ms',
  msecs: 'ms',
  millis: 'ms',
  millisecond: 'ms',
  milliseconds: 'ms',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  min: 'm',
  mins: 'm',
  minute: 'm',
  minutes: 'm',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
};

const NUMBER = String.raw`(?:\d+(?:\.\d+)?|\.\d+)`;
const DURATION_RE = new RegExp(String.raw`^([+-]?)(${NUMBER})( *)(.*)$`);
const PERCENTILE_RE = /^[pP](\d+(?:\.\d+)?)$/;
const COMPARISON_RE = /^(.*?)\s*(<=|>=|≤|≥|=|<|>|:)\s*(.*)$/;
const NOTE_RE = /\s*\(([^()]*)\)\s*$/;

/** Source text of the grammar, reused by the JSON Schema's patterns (for editors). */
export const GRAMMAR_PATTERNS = (() => {
  const duration = String.raw`${NUMBER} *(?:ms|s|m|h)`;
  const percentile = String.raw`[pP]\d+(?:\.\d+)?`;
  const bound = String.raw`${percentile} *(?:<|<=|≤) *${duration}`;
  const measured = String.raw`${percentile} *= *${duration}`;
  const note = String.raw`(?: *\([^()]*\))?`;
  const range = String.raw`${NUMBER} *(?:ms|s|m|h)? *[-–] *${duration}`;
  const qualifier = String.raw`(?:typical|typically|max|maximum)`;
  const clause = String.raw`(?:(?:<|<=|≤|~) *)?(?:${qualifier} +)?(?:${range}|${duration})(?: +${qualifier})?`;
  return {
    duration: String.raw`^\s*${duration}\s*$`,
    percentile: String.raw`^${percentile}$`,
    latencyBounds: String.raw`^\s*${bound}(?:\s*,\s*${bound})*\s*$`,
    percentileLatencies: String.raw`^\s*${measured}(?:\s*,\s*${measured})*${note}\s*$`,
    freshness: String.raw`^\s*${clause}(?:\s*,\s*${clause})*${note}\s*$`,
    freshnessRequired: String.raw`^\s*(?:(?:<|<=|≤) *)?${duration}\s*$`,
    retry: String.raw`^\s*(?:none|[1-9]\d*)\s*$`,
    availability: String.raw`^\s*${NUMBER} *%\s*$`,
  };
})();

function quote(text: string): string {
  const shown = text.length > 60 ? `${text.slice(0, 57)}…` : text;
  return `\`${shown}\``;
}

/**
 * Renders milliseconds in the largest unit that keeps an integer: `200ms`, `1.5s`, `5m`.
 * @public
 */
export function formatDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 && (ms % 1000 === 0 || ms >= 10_000)) {
    return `${Number((ms / 1000).toFixed(3))}s`;
  }
  return `${Number(ms.toFixed(3))}ms`;
}

/**
 * Reads a duration: a positive number (decimals allowed) and a unit `ms`, `s`, `m` or `h`:
 * `200ms`, `0.2s`, `1.5s`, `5m`, `1h`. A space between number and unit is allowed (`200 ms`, as
 * SI writes it). Units are lower case; a bare number, `fast`, zero and negative values are faults.
 * @public
 */
export function parseDurationText(text: string): GrammarResult<number> {
  const trimmed = text.trim();
  if (!trimmed) {
    return {
      errors: ['empty duration: expected e.g. `200ms`, `1.5s` or `5m`'],
    };
  }
  const match = DURATION_RE.exec(trimmed);
  if (!match) {
    return {
      errors: [
        `expected a duration such as \`200ms\`, \`1.5s\` or \`5m\`, got ${quote(
          trimmed,
        )}`,
      ],
    };
  }
  const [, sign, number, , unitText] = match;
  const unit = unitText.trim();
  if (sign === '-') {
    return {
      errors: [
        `${quote(trimmed)} is negative: a duration must be greater than zero`,
      ],
    };
  }
  if (!unit) {
    return {
      errors: [
        `${quote(
          trimmed,
        )} has no unit: write e.g. \`${number}ms\` or \`${number}s\` (units: ms, s, m, h)`,
      ],
    };
  }
  const factor = UNIT_MS[unit];
  if (factor === undefined) {
    const alias =
      UNIT_ALIASES[unit.toLowerCase()] ??
      (UNIT_MS[unit.toLowerCase()] ? unit.toLowerCase() : undefined);
    return {
      errors: [
        alias
          ? `unknown unit ${quote(unit)} in ${quote(
              trimmed,
            )}: did you mean \`${number}${alias}\`?`
          : `unknown unit ${quote(unit)} in ${quote(
              trimmed,
            )}: expected ms, s, m or h, e.g. \`200ms\``,
      ],
    };
  }
  const value = Number(number);
  if (value === 0) {
    return {
      errors: [
        `${quote(trimmed)} is zero: a duration must be greater than zero`,
      ],
    };
  }
  const ms = value * factor;
  if (!Number.isFinite(ms) || ms > Number.MAX_SAFE_INTEGER) {
    return { errors: [`${quote(trimmed)} is too large`] };
  }
  return { value: ms, errors: [] };
}

/**
 * A duration in milliseconds, or undefined when the text is not a valid duration
 * (see {@link parseDurationText} for the grammar and the messages).
 * @public
 */
export function parseDuration(text: string): number | undefined {
  if (typeof text !== 'string') return undefined;
  return parseDurationText(text).value;
}

/**
 * Reads a percentile: `p50`, `p95`, `p99.9`, `P95`; 0 \< p ≤ 100.
 * @public
 */
export function parsePercentile(text: string): GrammarResult<number> {
  const trimmed = text.trim();
  const match = PERCENTILE_RE.exec(trimmed);
  if (!match) {
    return {
      errors: [
        `expected a percentile such as \`p95\` or \`p99.9\`, got ${quote(
          trimmed,
        )}`,
      ],
    };
  }
  const value = Number(match[1]);
  if (!(value > 0 && value <= 100)) {
    return {
      errors: [
        `percentile ${quote(
          trimmed,
        )} is outside 0–100 (p0 excluded, p100 is the maximum)`,
      ],
    };
  }
  return { value, errors: [] };
}

/** Splits a comma-separated list, dropping one trailing empty item (`a, b,`). */
function splitList(text: string): string[] {
  const parts = text.split(',').map(part => part.trim());
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/**
 * One upper bound of a latency budget as read from text, e.g. `p95 < 200ms`.
 * @public
 */
export interface ParsedLatencyBound extends PercentileLatency {
  raw: string;
}

/**
 * Reads the bounds of a latency budget: `p95 < 200ms`, several separated by commas
 * (`p50 < 100ms, p95 < 200ms`); `<=` and `≤` mean the same as `<`.
 * @public
 */
export function parseLatencyBounds(
  text: string,
): GrammarResult<ParsedLatencyBound[]> {
  const errors: string[] = [];
  const value: ParsedLatencyBound[] = [];
  const seen = new Set<number>();
  const trimmed = text.trim();
  if (!trimmed)
    return { errors: ['empty latency bound: expected e.g. `p95 < 200ms`'] };
  for (const part of splitList(trimmed)) {
    const bound = parseComparison(part, 'bound');
    if (typeof bound === 'string') {
      errors.push(bound);
      continue;
    }
    if (seen.has(bound.percentile)) {
      errors.push(`p${bound.percentile} is bounded twice in ${quote(trimmed)}`);
      continue;
    }
    seen.add(bound.percentile);
    value.push({ ...bound, raw: part });
  }
  return { value: value.length ? value : undefined, errors };
}

/**
 * Measured or promised latencies at percentiles, with the note written after them:
 * `p50=2800ms, p95=3200ms` or `p50=80ms, p95=150ms (requires caching)`.
 * @public
 */
export interface ParsedPercentileLatencies {
  values: PercentileLatency[];
  note?: string;
}

/**
 * Reads `p50=2800ms, p95=3200ms`, optionally followed by a parenthesised note
 * (`p50=80ms, p95=150ms (requires caching)`).
 * @public
 */
export function parsePercentileLatencies(
  text: string,
): GrammarResult<ParsedPercentileLatencies> {
  const errors: string[] = [];
  const values: PercentileLatency[] = [];
  const seen = new Set<number>();
  let body = text.trim();
  let note: string | undefined;
  const noteMatch = NOTE_RE.exec(body);
  if (noteMatch) {
    note = noteMatch[1].trim() || undefined;
    body = body.slice(0, noteMatch.index).trim();
  }
  if (!body) {
    return {
      errors: ['empty latency: expected e.g. `p50=2800ms, p95=3200ms`'],
    };
  }
  for (const part of splitList(body)) {
    const measured = parseComparison(part, 'measured');
    if (typeof measured === 'string') {
      errors.push(measured);
      continue;
    }
    if (seen.has(measured.percentile)) {
      errors.push(`p${measured.percentile} is given twice in ${quote(body)}`);
      continue;
    }
    seen.add(measured.percentile);
    values.push(measured);
  }
  return { value: values.length ? { values, note } : undefined, errors };
}

/**
 * Reads one `p95 < 200ms` (a bound) or `p95=200ms` (a measured value); a string is the fault.
 */
function parseComparison(
  part: string,
  form: 'bound' | 'measured',
): PercentileLatency | string {
  const example = form === 'bound' ? '`p95 < 200ms`' : '`p95=3200ms`';
  if (!part) return `empty item in a list: expected e.g. ${example}`;
  const match = COMPARISON_RE.exec(part);
  if (!match) {
    if (parseDurationText(part).value !== undefined) {
      return `${quote(part)} has no percentile: write e.g. ${example}`;
    }
    return `expected e.g. ${example}, got ${quote(part)}`;
  }
  const [, left, operator, right] = match;
  if (!left) return `${quote(part)} has no percentile: write e.g. ${example}`;
  const isBound = operator === '<' || operator === '<=' || operator === '≤';
  if (form === 'bound' && !isBound) {
    return `a budget is an upper bound: write ${quote(
      `${left} < ${right}`,
    )}, got ${quote(part)}`;
  }
  if (form === 'measured' && operator !== '=') {
    return `a measured latency is written with \`=\`: write ${quote(
      `${left}=${right}`,
    )}, got ${quote(part)}`;
  }
  const percentile = parsePercentile(left);
  const duration = parseDurationText(right);
  const faults = [...percentile.errors, ...duration.errors];
  if (faults.length) return faults.join('; ');
  return { percentile: percentile.value!, ms: duration.value! };
}

type FreshnessQualifier = 'typical' | 'max';

/**
 * Reads one clause of a freshness guarantee: `15-30s typical`, `60s max`, `<60s`, `~20s`,
 * `typical 15-30s`, `30s`. Returns the fault as a string.
 */
function parseFreshnessClause(
  clause: string,
  forced?: FreshnessQualifier,
): { qualifier?: FreshnessQualifier; min: number; max: number } | string {
  let body = clause.trim();
  let qualifier: FreshnessQualifier | undefined = forced;
  const prefix = /^(<=|<|≤|~)\s*/.exec(body);
  if (prefix) {
    qualifier = prefix[1] === '~' ? 'typical' : 'max';
    body = body.slice(prefix[0].length);
  }
  if (/^(?:typical|typically|max|maximum)$/i.test(body)) {
    return `${quote(
      clause,
    )} has no duration: expected e.g. \`15-30s typical\` or \`60s max\``;
  }
  const words =
    /^(?:(typical|typically|max|maximum)\s+)?(.*?)(?:\s+(typical|typically|max|maximum))?$/i.exec(
      body,
    )!;
  const word = (words[1] ?? words[3])?.toLowerCase();
  if (words[1] && words[3]) return `${quote(clause)} is qualified twice`;
  if (word) {
    const said: FreshnessQualifier = word.startsWith('typ') ? 'typical' : 'max';
    if (qualifier && qualifier !== said)
      return `${quote(clause)} is both typical and max`;
    qualifier = said;
  }
  body = words[2].trim();
  if (!body)
    return `${quote(
      clause,
    )} has no duration: expected e.g. \`15-30s typical\` or \`60s max\``;
  const range = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*[-–]\s*(.+)$/.exec(body);
  if (range) {
    const high = parseDurationText(range[3]);
    if (high.errors.length) return high.errors.join('; ');
    const unit = range[2] || /[a-z]+$/.exec(range[3].trim())?.[0] || '';
    const low = parseDurationText(`${range[1]}${unit}`);
    if (low.errors.length) return low.errors.join('; ');
    if (low.value! > high.value!) {
      return `the range ${quote(
        body,
      )} is reversed: write the smaller value first`;
    }
    if (qualifier === 'max') {
      return `${quote(
        clause,
      )}: a max is one duration, not a range (e.g. \`60s max\`)`;
    }
    return {
      qualifier: qualifier ?? 'typical',
      min: low.value!,
      max: high.value!,
    };
  }
  const single = parseDurationText(body);
  if (single.errors.length) return single.errors.join('; ');
  return { qualifier, min: single.value!, max: single.value! };
}

/**
 * Reads a freshness guarantee (how stale a dataset may be): `15-30s typical, 60s max`,
 * `60s max`, `30s`, `<60s`, `~20s`, with an optional note in parentheses
 * (`15-30s (replica lag)`). Without a `max` clause, the largest figure written is the max.
 * @public
 */
export function parseFreshness(text: string): GrammarResult<Freshness> {
  const raw = text.trim();
  let body = raw;
  const noteMatch = NOTE_RE.exec(body);
  if (noteMatch) body = body.slice(0, noteMatch.index).trim();
  if (!body) {
    return {
      errors: ['empty freshness: expected e.g. `15-30s typical, 60s max`'],
    };
  }
  return combineFreshness(
    splitList(body).map(clause => ({ clause })),
    raw,
  );
}

/**
 * Reads the structured form `{ typical: 15-30s, max: 60s }` of a freshness guarantee.
 * @public
 */
export function parseFreshnessParts(parts: {
  typical?: string;
  max?: string;
}): GrammarResult<Freshness> {
  const clauses: Array<{ clause: string; forced: FreshnessQualifier }> = [];
  if (parts.typical !== undefined)
    clauses.push({ clause: parts.typical, forced: 'typical' });
  if (parts.max !== undefined)
    clauses.push({ clause: parts.max, forced: 'max' });
  const raw = clauses
    .map(({ clause, forced }) => `${clause.trim()} ${forced}`)
    .join(', ');
  if (!clauses.length) {
    return { errors: ['empty freshness: expected `typical` and/or `max`'] };
  }
  return combineFreshness(clauses, raw);
}

function combineFreshness(
  clauses: Array<{ clause: string; forced?: FreshnessQualifier }>,
  raw: string,
): GrammarResult<Freshness> {
  const errors: string[] = [];
  const freshness: Freshness = { raw };
  let plain: { min: number; max: number } | undefined;
  for (const { clause, forced } of clauses) {
    if (!clause.trim()) {
      errors.push(
        'empty clause in a freshness: expected e.g. `15-30s typical, 60s max`',
      );
      continue;
    }
    const read = parseFreshnessClause(clause, forced);
    if (typeof read === 'string') {
      errors.push(read);
      continue;
    }
    if (read.qualifier === 'typical') {
      if (freshness.typicalMaxMs !== undefined) {
        errors.push(`typical freshness is given twice in ${quote(raw)}`);
        continue;
      }
      freshness.typicalMinMs = read.min;
      freshness.typicalMaxMs = read.max;
    } else if (read.qualifier === 'max') {
      if (freshness.maxMs !== undefined) {
        errors.push(`max freshness is given twice in ${quote(raw)}`);
        continue;
      }
      freshness.maxMs = read.max;
    } else {
      if (plain) {
        errors.push(
          `${quote(
            raw,
          )} gives two figures without saying which is \`typical\` and which is \`max\``,
        );
        continue;
      }
      plain = read;
    }
  }
  if (plain) {
    if (freshness.maxMs === undefined) freshness.maxMs = plain.max;
    else if (freshness.typicalMaxMs === undefined) {
      freshness.typicalMinMs = plain.min;
      freshness.typicalMaxMs = plain.max;
    } else
      errors.push(
        `${quote(raw)} has a figure that is neither \`typical\` nor \`max\``,
      );
  }
  if (freshness.maxMs === undefined && freshness.typicalMaxMs !== undefined) {
    freshness.maxMs = freshness.typicalMaxMs;
  }
  if (
    freshness.maxMs !== undefined &&
    freshness.typicalMaxMs !== undefined &&
    freshness.typicalMaxMs > freshness.maxMs
  ) {
    errors.push(
      `typical staleness ${formatDuration(
        freshness.typicalMaxMs,
      )} exceeds the max ${formatDuration(freshness.maxMs)} in ${quote(raw)}`,
    );
    return { errors };
  }
  if (freshness.maxMs === undefined) return { errors };
  return { value: freshness, errors };
}

/**
 * Reads a required freshness (the stalest data a consumer accepts): `<10s`, `<= 10s`, `10s`.
 * @public
 */
export function parseFreshnessRequired(text: string): GrammarResult<number> {
  const trimmed = text.trim();
  const match = /^(<=|<|≤|>=|>|≥)?\s*(.*)$/.exec(trimmed)!;
  if (match[1] && !match[1].startsWith('<') && match[1] !== '≤') {
    return {
      errors: [
        `freshness_required is the stalest data accepted: write e.g. \`<10s\`, got ${quote(
          trimmed,
        )}`,
      ],
    };
  }
  return parseDurationText(match[2]);
}

/**
 * A retry setting of a dependency written as text or a number: `retry: none` (one attempt) or
 * `retry: 3` (at most three attempts in all, the first included). The mapping form
 * (`{ max_attempts: 3, backoff: … }`) is read by the normalizer, key by key.
 * @public
 */
export function parseRetry(
  value: unknown,
): GrammarResult<{ raw: string; maxAttempts?: number }> {
  const expected =
    'expected `none` or the number of attempts in all (e.g. `retry: 3`), or a mapping such as `{ max_attempts: 3, backoff: exponential, per_try_timeout: 200ms, retry_on: [5xx] }`';
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 1) {
      return { value: { raw: String(value), maxAttempts: value }, errors: [] };
    }
    return {
      errors: [
        `retry ${value} is not a whole number of attempts ≥ 1 (\`none\` means a single attempt): ${expected}`,
      ],
    };
  }
  if (typeof value !== 'string') return { errors: [expected] };
  const trimmed = value.trim();
  if (trimmed.toLowerCase() === 'none')
    return { value: { raw: trimmed, maxAttempts: 1 }, errors: [] };
  if (/^\d+$/.test(trimmed)) return parseRetry(Number(trimmed));
  return { errors: [`${expected}, got ${quote(trimmed)}`] };
}

/**
 * Splits a retry target `risk.scoreTransaction` at its last dot into the service and the
 * operation; `risk` alone targets every operation of the service.
 * @public
 */
export function parseRetryTarget(
  text: string,
): GrammarResult<{ service: string; operation?: string }> {
  const trimmed = text.trim();
  if (!trimmed)
    return {
      errors: [
        'empty retry target: expected `service.operation`, e.g. `risk.scoreTransaction`',
      ],
    };
  const dot = trimmed.lastIndexOf('.');
  if (dot < 0) return { value: { service: trimmed }, errors: [] };
  const service = trimmed.slice(0, dot);
  const operation = trimmed.slice(dot + 1);
  if (!service || !operation) {
    return {
      errors: [
        `expected \`service.operation\`, e.g. \`risk.scoreTransaction\`, got ${quote(
          trimmed,
        )}`,
      ],
    };
  }
  return { value: { service, operation }, errors: [] };
}

/**
 * A promised availability: `99.95%` (a percentage; a bare number such as `99.95` is read as one
 * too). 0 < percent ≤ 100.
 * @public
 */
export function parseAvailability(
  value: unknown,
): GrammarResult<{ percent: number; raw: string }> {
  const expected = 'expected a percentage such as `99.95%`';
  if (typeof value !== 'number' && typeof value !== 'string') {
    return { errors: [expected] };
  }
  const raw = String(value).trim();
  const match = /^(\d+(?:\.\d+)?|\.\d+)\s*(%?)$/.exec(raw);
  if (!match) return { errors: [`${expected}, got ${quote(raw)}`] };
  const percent = Number(match[1]);
  if (!(percent > 0 && percent <= 100)) {
    return {
      errors: [
        `availability ${quote(
          raw,
        )} is not a percentage above 0 and at most 100`,
      ],
    };
  }
  if (!match[2] && percent <= 1) {
    return {
      errors: [
        `availability ${quote(
          raw,
        )} is ambiguous: write a percentage such as \`${
          Math.round(percent * 1e6) / 1e4
        }%\``,
      ],
    };
  }
  return { value: { percent, raw: match[2] ? raw : `${raw}%` }, errors: [] };
}
