import { capitalize, entityName, formatMs } from '../format';
import { chainFreshness, ChainFreshness, freshnessMaxMs } from '../paths';
import type { ContractRule, FindingDraft } from '../types';
import { formatFreshness } from './data-freshness';
import { chainEdges } from './util';
import { sameRef } from '../refs';

/**
 * `freshness-path`: a derived dataset promises to be fresher than a dataset it is derived
 * from. Sources are followed through `derived_from` (on the named source or entities tied to
 * it); a source without a freshness of its own is bounded by its lineage, so the critical hop
 * may be several datasets up. Declared promises are taken as given (each is checked on its own
 * entity), and cycles stop the walk.
 * @public
 */
export const freshnessPathRule: ContractRule = {
  id: 'freshness-path',
  title: 'Data freshness path violation',
  defaultSeverity: 'error',
  description:
    'A derived dataset promises to be fresher than a dataset it is derived from (transitively).',
  evaluate(anchor, ctx) {
    const self = anchor.entityRef;
    const drafts: FindingDraft[] = [];
    for (let d = 0; d < anchor.datasets.length; d++) {
      const ds = anchor.datasets[d];
      const promise = freshnessMaxMs(ds.freshness);
      if (promise === undefined || ds.derivedFrom.length === 0) {
        continue;
      }
      let worst: { fresh: ChainFreshness; source: string } | undefined;
      for (let i = 0; i < ds.derivedFrom.length; i++) {
        const src = ds.derivedFrom[i];
        const match = ctx.findDataset(src.ref, src.dataset);
        if (!match.provider || !match.dataset) {
          continue;
        }
        if (
          sameRef(match.provider, self) &&
          match.dataset === ds
        ) {
          continue;
        }
        const fresh = chainFreshness(ctx, match.provider, match.dataset);
        if (
          fresh &&
          fresh.ms > promise &&
          (!worst || fresh.ms > worst.fresh.ms)
        ) {
          worst = { fresh, source: match.provider };
        }
      }
      if (!worst) {
        continue;
      }
      const { fresh } = worst;
      const s = entityName(self);
      const h = entityName(fresh.holder);
      const expected = `${ds.name} within ${ds.freshness!.raw}`;
      const actual = `${fresh.dataset.name}: ${formatFreshness(
        { ...fresh, declared: true },
        fresh.holder,
      )}`;
      drafts.push({
        consumer: self,
        provider: fresh.holder,
        subject: ds.name,
        title: 'Data freshness path violation',
        expected,
        actual,
        impact: `${capitalize(s)}'s ${
          ds.name
        } cannot be fresher than ${formatMs(
          fresh.ms,
        )}, its promise of ${formatMs(promise)} misleads its consumers`,
        resolutions: [
          `${s}: Relax the promise for ${ds.name} to ${formatMs(
            fresh.ms,
          )} or more (contract)`,
          `${h}: Provide ${fresh.dataset.name} fresher (infrastructure)`,
          `${s}: Derive ${ds.name} from a fresher source (redesign)`,
        ],
        evidence: {
          promise,
          source: [fresh.holder, fresh.dataset.name, fresh.ms],
        },
        details: [
          `${s} promises: ${expected}`,
          `${h} provides: ${actual}${
            fresh.path.length > 1
              ? ` (via ${fresh.path.map(x => entityName(x.ref)).join(' → ')})`
              : ''
          }`,
        ],
        action: `${capitalize(s)} must not promise ${
          ds.name
        } fresher than its sources`,
        chain: [self, ...fresh.path.map(x => x.ref)],
        location: ds.loc,
        edges: chainEdges(self, fresh.path),
      });
    }
    return drafts;
  },
};
