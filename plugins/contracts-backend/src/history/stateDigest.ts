import { createHash } from 'node:crypto';

/**
 * A set of pairs (a contract's entity key and hash, an open finding's id and evidence hash),
 * digested in any order: how many, and the sums of the two 64-bit halves of each pair's
 * md5(`${a} ${b}`) read as signed integers. The store makes the same sums in SQL over the state
 * it holds (DatabaseHistoryStore.stateDigest), so that a replica's first snapshot is compared
 * with the stored state without loading it when both are the same (a restart's usual case).
 */
export interface DigestSum {
  count: number;
  hi: bigint;
  lo: bigint;
}

/** The history's state digested: the contracts' and the findings' pairs. */
export interface StateDigest {
  contracts: DigestSum;
  findings: DigestSum;
}

export const emptyDigest = (): StateDigest => ({
  contracts: { count: 0, hi: BigInt(0), lo: BigInt(0) },
  findings: { count: 0, hi: BigInt(0), lo: BigInt(0) },
});

/** Adds the pair (`a`, `b`) to `sum`. */
export function addPair(sum: DigestSum, a: string, b: string): void {
  const hex = createHash('md5').update(`${a} ${b}`).digest('hex');
  sum.count++;
  sum.hi += BigInt.asIntN(64, BigInt(`0x${hex.slice(0, 16)}`));
  sum.lo += BigInt.asIntN(64, BigInt(`0x${hex.slice(16)}`));
}

/** Adds the pairs of `more` to `into`. */
export function addDigest(into: StateDigest, more: StateDigest): void {
  for (const k of ['contracts', 'findings'] as const) {
    into[k].count += more[k].count;
    into[k].hi += more[k].hi;
    into[k].lo += more[k].lo;
  }
}

export function sameDigest(a: StateDigest, b: StateDigest): boolean {
  return (['contracts', 'findings'] as const).every(
    k =>
      a[k].count === b[k].count && a[k].hi === b[k].hi && a[k].lo === b[k].lo,
  );
}
