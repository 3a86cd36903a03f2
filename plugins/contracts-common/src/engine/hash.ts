/*
 * Small pure hashes (no Node crypto: the package is isomorphic).
 */
import { sortStrings } from './sortStrings';

/**
 * cyrb53-style 64-bit string hash, as 16 hex digits.
 * @public
 */
export function hashString(text: string, seed = 0): string {
  return hashParts([text], seed);
}

/**
 * The running state of the hashes below: two 32-bit halves, kept between calls of
 * {@link absorb} instead of in an object per hash (ids are made by the hundred thousand).
 */
let state1 = 0;
let state2 = 0;

/** Mixes into the state a newline (between parts), when `separated`, then `text`. */
function absorb(text: string, separated: boolean) {
  let h1 = state1;
  let h2 = state2;
  if (separated) {
    h1 = Math.imul(h1 ^ 10, 2654435761);
    h2 = Math.imul(h2 ^ 10, 1597334677);
  }
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  state1 = h1;
  state2 = h2;
}

/** Starts the state from a seed and mixes in the parts, newline-separated. */
function absorbParts(parts: string[], seed: number) {
  state1 = 0xdeadbeef ^ seed;
  state2 = 0x41c6ce57 ^ seed;
  for (let p = 0; p < parts.length; p++) {
    absorb(parts[p], p > 0);
  }
}

/**
 * {@link hashString} of the parts joined by newlines, without building the joined string.
 */
export function hashParts(parts: string[], seed = 0): string {
  absorbParts(parts, seed);
  return finish(state1, state2);
}

/**
 * The state of {@link hashParts} after the first parts (at least one), to go on from with
 * {@link hashPartsFrom}: ids that share their first parts hash those once.
 */
export class HashPrefix {
  h1 = 0;
  h2 = 0;

  constructor(parts: string[], seed = 0) {
    this.set(parts, seed);
  }

  /** Starts again from other parts: one prefix object reused for many. */
  set(parts: string[], seed = 0) {
    absorbParts(parts, seed);
    this.h1 = state1;
    this.h2 = state2;
  }
}

/** `hashParts([...prefixParts, a, b])` from the prefix's state. */
export function hashPartsFrom(
  prefix: HashPrefix,
  a: string,
  b: string,
): string {
  state1 = prefix.h1;
  state2 = prefix.h2;
  absorb(a, true);
  absorb(b, true);
  return finish(state1, state2);
}

function finish(h1In: number, h2In: number): string {
  let h1 = h1In;
  let h2 = h2In;
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return hex16(h2, h1);
}

const HEX = '0123456789abcdef';

function hexAt(n: number, shift: number): number {
  return HEX.charCodeAt((n >>> shift) & 15);
}

/**
 * `hi` and `lo` as 16 lower-case hex digits, built as one flat string: ids are kept by the
 * hundred thousand, and a concatenation would keep three string objects per id.
 */
function hex16(hi: number, lo: number): string {
  return String.fromCharCode(
    hexAt(hi, 28),
    hexAt(hi, 24),
    hexAt(hi, 20),
    hexAt(hi, 16),
    hexAt(hi, 12),
    hexAt(hi, 8),
    hexAt(hi, 4),
    hexAt(hi, 0),
    hexAt(lo, 28),
    hexAt(lo, 24),
    hexAt(lo, 20),
    hexAt(lo, 16),
    hexAt(lo, 12),
    hexAt(lo, 8),
    hexAt(lo, 4),
    hexAt(lo, 0),
  );
}

/**
 * JSON with sorted object keys, `undefined` members dropped: equal values give equal text.
 * @public
 */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return value === undefined ? 'null' : JSON.stringify(value) ?? 'null';
  }
  // Loops and `+=`, no array made per value: every finding's evidence goes through here.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) {
        out += ',';
      }
      out += stableStringify(value[i]);
    }
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = sortStrings(Object.keys(obj));
  let out = '{';
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) {
      continue;
    }
    if (out.length > 1) {
      out += ',';
    }
    out += `${JSON.stringify(k)}:${stableStringify(v)}`;
  }
  return `${out}}`;
}

/**
 * The stable id of a finding: rule + parties + subject.
 * @public
 */
export function fingerprint(
  rule: string,
  consumer: string,
  provider: string,
  subject: string,
): string {
  return hashParts([rule, consumer, provider, subject]);
}

/**
 * Hash of the values a finding compared; changes when the evidence changes.
 * @public
 */
export function evidenceHash(values: unknown): string {
  return hashString(stableStringify(values), 0x5eed);
}
