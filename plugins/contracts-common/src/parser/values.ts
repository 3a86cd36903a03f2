/*
 * Small readings shared by the normalizer's modules: plain-object checks, trimmed texts, objects
 * without undefined keys, and grammar readings shared between contracts.
 */
import {
  type GrammarResult,
  parseDurationText,
  parseFreshnessRequired,
  parseLatencyBounds,
  parsePercentile,
  parseRetryTarget,
} from './grammar';

export type Dict = Record<string, unknown>;

export function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function entries(value: unknown): Dict[] {
  return Array.isArray(value) ? value : [];
}

/** A non-empty string value, trimmed; anything else is undefined (ajv reported it). */
export function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed || undefined;
}

/**
 * The value without its undefined keys, so the model survives JSON unchanged. Copies rather than
 * deletes: an object that lost a key is a slow, large dictionary for the rest of its life.
 */
export function compact<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (value[key] !== undefined) out[key] = value[key];
  }
  return out as T;
}

/**
 * Grammar readings whose result the normalizer copies (or reads) rather than keeps: the same few
 * texts (`500ms`, `p95 < 200ms`, `<10s`) recur in every contract, so each is read once. Readings
 * whose value goes into the contract as it is (freshness, latencies, retry) are not shared.
 */
const SHAREABLE_READINGS = new Set<(text: string) => GrammarResult<unknown>>([
  parseDurationText,
  parseLatencyBounds,
  parseFreshnessRequired,
  parseRetryTarget,
  parsePercentile,
]);
const readings = new Map<unknown, Map<string, GrammarResult<unknown>>>();
let readingCount = 0;
const MAX_READINGS = 50_000;

export function cachedRead<T>(
  read: (text: string) => GrammarResult<T>,
  written: string,
): GrammarResult<T> {
  if (!SHAREABLE_READINGS.has(read)) return read(written);
  let byText = readings.get(read);
  const known = byText?.get(written);
  if (known) return known as GrammarResult<T>;
  const result = read(written);
  if (readingCount >= MAX_READINGS) {
    readings.clear();
    readingCount = 0;
    byText = undefined;
  }
  if (!byText) readings.set(read, (byText = new Map()));
  byText.set(written, result);
  readingCount++;
  return result;
}
