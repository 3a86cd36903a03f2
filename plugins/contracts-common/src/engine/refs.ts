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

/** `a.toLowerCase() === b.toLowerCase()`. */
export function sameRef(a: string, b: string): boolean {
  return a === b || lower(a) === lower(b);
}
