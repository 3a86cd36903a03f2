import { useEffect, useMemo, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import type { EntityContract } from '@backstage-contracts/plugin-contracts-common';
import { contractsApiRef } from '../../api';
import { ContractLookup, MAX_WATERFALL_ROWS, waterfallRefs } from './waterfall';

/** How many contracts one waterfall view fetches at most. */
const MAX_FETCHES = MAX_WATERFALL_ROWS + 8;

/**
 * The contracts a waterfall reads, fetched from the contracts backend (as the caller may read
 * them: an entity they may not see, or one without a contract, is simply unknown): `root`,
 * the entities its calls reach (level by level, as far as a waterfall draws) and `extra`.
 */
export function useChainContracts(
  root: string | undefined,
  extra: string[] = [],
  known?: EntityContract,
): { lookup: ContractLookup; loading: boolean } {
  const api = useApi(contractsApiRef);
  const [fetched, setFetched] = useState<Map<string, EntityContract | null>>(
    () => new Map(),
  );
  const extraKey = extra.join('\n');
  const lookup = useMemo<ContractLookup>(() => {
    return (ref: string) => {
      const key = ref.toLowerCase();
      if (known && known.entityRef.toLowerCase() === key) return known;
      return fetched.get(key) ?? undefined;
    };
  }, [fetched, known]);

  const wanted = useMemo(() => {
    if (!root) return [];
    const refs = [root, ...(extraKey ? extraKey.split('\n') : [])];
    const rootContract = lookup(root);
    if (rootContract) refs.push(...waterfallRefs(rootContract, lookup));
    for (const ref of [...refs]) {
      // datasets a need reads may be derived from others: fetch their sources too
      for (const d of lookup(ref)?.datasets ?? []) {
        refs.push(...d.derivedFrom.map(s => s.ref));
      }
    }
    return refs;
  }, [root, extraKey, lookup]);

  const missing = wanted.filter(
    ref =>
      !fetched.has(ref.toLowerCase()) &&
      !(known && known.entityRef.toLowerCase() === ref.toLowerCase()),
  );
  const budgetLeft = MAX_FETCHES - fetched.size;
  const toFetch = missing.slice(0, Math.max(0, budgetLeft));
  const fetchKey = toFetch.join('\n');

  useEffect(() => {
    if (!fetchKey) return undefined;
    let cancelled = false;
    const refs = fetchKey.split('\n');
    Promise.all(
      refs.map(ref =>
        api.getEntity(ref).then(
          r => r.contracts,
          () => null,
        ),
      ),
    ).then(contracts => {
      if (cancelled) return;
      setFetched(prev => {
        const next = new Map(prev);
        refs.forEach((ref, i) => next.set(ref.toLowerCase(), contracts[i]));
        return next;
      });
    });
    return () => {
      cancelled = true;
    };
  }, [api, fetchKey]);

  return { lookup, loading: toFetch.length > 0 };
}
