/*
 * Case-insensitive comparison of refs without a copy per comparison: rules compare refs
 * ignoring case tens of times per anchor, and `toLowerCase` makes a new string each time (even
 * for one with nothing to change), which every map lookup by it then hashes again.
 */

/** `s.toLowerCase()`: `s` itself when it has no upper-case ASCII letter and no non-ASCII one. */
export function lower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c > 127) {
      return s.toLowerCase();
    }
  }
  return s;
}

/**
 * `a.toLowerCase() === b.toLowerCase()`. Refs of one length are compared a character at a time,
 * ASCII letters folded in place: two different refs differ after their common prefix, and
 * `lower` scanned both whole (copying one with an upper-case letter) — ~1 % of bench:floor's
 * three-rule run at 10k (callsOf compares each call with the ones before it). Any other
 * difference goes to `toLowerCase`, whose mapping of non-ASCII text can change lengths.
 */
export function sameRef(a: string, b: string): boolean {
  if (a === b) {
    return true;
  }
  const n = a.length;
  if (n !== b.length) {
    return lower(a) === lower(b);
  }
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) {
      continue;
    }
    if (x > 127 || y > 127) {
      return lower(a) === lower(b);
    }
    if (x >= 65 && x <= 90) {
      x += 32;
    }
    if (y >= 65 && y <= 90) {
      y += 32;
    }
    if (x !== y) {
      // ASCII until here in both, one character each when lower-cased: the copies differ.
      return false;
    }
  }
  return true;
}
