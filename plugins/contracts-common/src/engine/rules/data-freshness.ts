import type { Freshness } from '../../types';
import {
  capitalize,
  entityName,
  formatMs,
  humanize,
  isClause,
  purposeOf,
  resolutionLines,
} from '../format';
import {
  chainFreshness,
  ChainFreshness,
  freshnessMaxMs,
  lagName,
} from '../paths';
import type { ContractRule, FindingDraft } from '../types';
import { chainEdges, NO_DRAFTS } from './util';
import { sameRef } from '../refs';

/** `15-30s (replica lag), 60s max`, as the essay writes a freshness guarantee. */
export function formatFreshness(f: ChainFreshness, provider: string): string {
  const fr: Freshness | undefined = f.dataset.freshness;
  const lag = lagName(f.dataset.via);
  if (!f.declared) {
    return `≥ ${formatMs(f.ms)} (${entityName(f.holder)}.${f.dataset.name}${
      lag ? `, ${lag}` : ''
    }, upstream of ${entityName(provider)})`;
  }
  let text: string;
  if (fr?.typicalMinMs !== undefined && fr.typicalMaxMs !== undefined) {
    const unit = formatMs(fr.typicalMaxMs).replace(/^[\d.]+/, '');
    const min = formatMs(fr.typicalMinMs);
    const sameUnit = min.replace(/^[\d.]+/, '') === unit;
    text = `${
      sameUnit ? min.slice(0, min.length - unit.length) : min
    }-${formatMs(fr.typicalMaxMs)}`;
  } else if (fr?.typicalMaxMs !== undefined) {
    text = formatMs(fr.typicalMaxMs);
  } else {
    text = formatMs(f.ms);
  }
  const hasSeparateMax =
    fr?.maxMs !== undefined &&
    fr.typicalMaxMs !== undefined &&
    fr.maxMs !== fr.typicalMaxMs;
  return `${text}${lag ? ` (${lag})` : ''}${
    hasSeparateMax ? `, ${formatMs(fr!.maxMs!)} max` : ''
  }`;
}

/**
 * `data-freshness`: a consumer requires a dataset fresher than its provider guarantees (the
 * worst staleness promised: `max`, else the typical upper bound). The dataset is looked up on
 * the dependency's `source` and on entities tied to it in the catalog (`orders-db` → `orders`);
 * a dataset without a freshness of its own is bounded by its lineage.
 * @public
 */
export const dataFreshnessRule: ContractRule = {
  id: 'data-freshness',
  title: 'Data freshness violation',
  defaultSeverity: 'error',
  description:
    "A consumer's required freshness is tighter than the provider's freshness guarantee.",
  evaluate(anchor, ctx) {
    const consumer = anchor.entityRef;
    let drafts: FindingDraft[] | undefined;
    for (let i = 0; i < anchor.dataDependencies.length; i++) {
      const dd = anchor.dataDependencies[i];
      const match = ctx.findDataset(dd.ref, dd.dataset);
      if (!match.provider || !match.dataset) {
        continue;
      }
      // Most needs are met by the dataset's own promise: ruled out before building the chain
      // (what chainFreshness would answer then; ~1.5 MB of garbage per bench:floor run at 10k).
      const own = freshnessMaxMs(match.dataset.freshness);
      if (own !== undefined && own < dd.freshnessRequiredMs) {
        continue;
      }
      const provider = match.provider;
      const fresh = chainFreshness(ctx, provider, match.dataset);
      if (!fresh || fresh.ms < dd.freshnessRequiredMs) {
        continue;
      }
      const c = entityName(consumer);
      const p = entityName(provider);
      const actual = formatFreshness(fresh, provider);
      const reason = dd.reason ? humanize(dd.reason) : undefined;
      const stale = dd.impactIfStale ? humanize(dd.impactIfStale) : undefined;
      // `Velocity fraud detection unreliable`; a reason written as a sentence is not assured
      let impact: string;
      if (!reason) {
        impact = `${capitalize(c)} works on ${
          dd.dataset
        } older than it requires`;
      } else if (isClause(reason)) {
        impact = `Not assured that ${reason}`;
      } else {
        impact = `${capitalize(reason)} unreliable`;
      }
      if (stale) impact += ` (${stale})`;
      const upstream = !sameRef(fresh.holder, provider)
        ? entityName(fresh.holder)
        : p;
      const resolutions = [
        `${upstream}: Provide event stream (infrastructure)`,
        `${c}: Relax requirement (accuracy loss)`,
        `${c}: Alternative algorithm (redesign)`,
      ];
      const via =
        match.source && !sameRef(match.source, provider)
          ? match.source
          : undefined;
      (drafts ??= []).push({
        consumer,
        provider,
        subject: dd.dataset,
        title: 'Data freshness violation',
        expected: dd.freshnessRaw,
        actual,
        impact,
        resolutions,
        evidence: {
          required: dd.freshnessRequiredMs,
          provided: [fresh.holder, fresh.dataset.name, fresh.ms],
          via,
        },
        details: [
          `${c} requires: ${dd.freshnessRaw}${
            reason ? ` ${purposeOf(reason)}` : ` on ${dd.dataset}`
          }`,
          `${p} provides: ${actual}`,
        ],
        notes: [`Impact: ${impact}`, ...resolutionLines(resolutions)],
        chain:
          fresh.path.length > 1
            ? [consumer, ...fresh.path.map(h => h.ref)]
            : undefined,
        location: dd.loc,
        edges: chainEdges(consumer, fresh.path),
      });
    }
    return drafts ?? NO_DRAFTS;
  },
};
