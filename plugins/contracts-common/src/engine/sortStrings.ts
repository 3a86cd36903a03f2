/**
 * Sorts `keys` in place as `Array.prototype.sort()` orders strings (by UTF-16 code units) and
 * returns it; short arrays by insertion, without the work array `sort()` allocates per call
 * (the engine sorts a handful of keys per finding, many thousands of times).
 */
export function sortStrings(keys: string[]): string[] {
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > k) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}
