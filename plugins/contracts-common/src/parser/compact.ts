/*
 * Makes a parsed contract compact before anyone keeps it. A normalized contract is small data,
 * but as built it costs about twice its size: lists grown item by item keep spare capacity,
 * and its texts are slices of the YAML source (which they keep alive) or joins of several
 * pieces. A catalog of 100,000 contracts holds them all at once (the backend, the benchmark),
 * so each list is copied to its exact length, and each text is replaced by one shared flat copy
 * of it: names, values such as `p95 < 200ms` and refs recur across contracts.
 */

/** Distinct texts known, each a flat string of its own; cleared when it grows past the bound. */
const interned = new Map<string, string>();
const MAX_INTERNED = 500_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The shared flat copy of a text. */
export function intern(text: string): string {
  const known = interned.get(text);
  if (known !== undefined) return known;
  if (interned.size >= MAX_INTERNED) interned.clear();
  // a string of its own, not a slice of the source or a join of pieces; short ones are copies already
  const own = text.length < 13 ? text : decoder.decode(encoder.encode(text));
  interned.set(own, own);
  return own;
}

/**
 * Compacts, in place, the lists and texts of plain data (objects and arrays as the parser built
 * them); frozen parts, which may be shared, are left as they are.
 */
export function compactData<T>(value: T): T {
  if (Array.isArray(value)) {
    if (Object.isFrozen(value)) return value;
    const out = value.slice(); // exactly as long as it is
    for (let i = 0; i < out.length; i++) out[i] = compactValue(out[i]);
    return out as unknown as T;
  }
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    const record = value as Record<string, unknown>;
    for (const key in record) {
      if (Object.prototype.hasOwnProperty.call(record, key)) {
        const v = record[key];
        // assigned even when equal: an equal text may be another (larger) string
        if (typeof v === 'string' || Array.isArray(v)) record[key] = compactValue(v);
        else if (v && typeof v === 'object') compactData(v);
      }
    }
  }
  return value;
}

function compactValue(value: unknown): unknown {
  if (typeof value === 'string') return intern(value);
  if (value && typeof value === 'object') return compactData(value);
  return value;
}
