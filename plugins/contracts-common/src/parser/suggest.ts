/**
 * "Did you mean …?" for misspelt keys.
 */

/**
 * Edit distance between two short strings: insertions, deletions, substitutions and swaps of
 * two neighbouring letters (`retyr` is one edit from `retry`).
 * @public
 */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        current[j] = Math.min(current[j], beforePrevious[j - 2] + 1);
      }
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length];
}

function fold(word: string): string {
  return word.toLowerCase().replace(/[-_\s]/g, '');
}

/**
 * The candidate closest to `word`, when it is close enough to be a likely misspelling:
 * the same word in another case or separator style (`dependsOn`, `depends-on` → `depends_on`),
 * or at most a third of its letters away (`latncy_budget` → `latency_budget`).
 * @public
 */
export function nearest(
  word: string,
  candidates: readonly string[],
): string | undefined {
  if (word.length > 100) return undefined;
  const folded = fold(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (fold(candidate) === folded) return candidate;
    const distance = levenshtein(folded, fold(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.floor(Math.max(folded.length, 3) / 3));
  return bestDistance <= allowed ? best : undefined;
}

/**
 * The message for a key the grammar does not know, with the nearest valid key or the list of
 * valid ones.
 * @public
 */
export function unknownKeyMessage(
  key: string,
  allowed: readonly string[],
): string {
  const shown = key.length > 60 ? `${key.slice(0, 57)}…` : key;
  const suggestion = nearest(key, allowed);
  if (suggestion)
    return `unknown key \`${shown}\`: did you mean \`${suggestion}\`?`;
  return `unknown key \`${shown}\`: expected one of ${allowed
    .map(k => `\`${k}\``)
    .join(', ')}`;
}
