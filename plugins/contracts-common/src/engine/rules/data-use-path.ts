import type {
  EntityContract,
  ProvidedDataset,
  ProvidedEndpoint,
  SourceLocation,
} from '../../types';
import {
  capitalize,
  entityName,
  humanize,
  purposeOf,
  resolutionLines,
} from '../format';
import { MAX_WALK_DEPTH, MAX_WALK_VISITS, memoKey } from '../paths';
import type { Hop } from '../paths';
import type { ContractRule, FindingDraft, RuleContext } from '../types';
import { carriers } from './access-policy';
import { chainEdges } from './util';
import { lower, sameRef } from '../refs';

/** An item (dataset or endpoint) whose data carries restrictions from where it was made. */
interface Origin {
  holder: string;
  /** The dataset's name or the endpoint's path. */
  item: string;
  allowedUse?: string[];
  access?: string;
  pii?: string;
}

/** An origin reached from the item a receiver reads, with the way its data travelled. */
interface Carried {
  origin: Origin;
  /** From the item read (at its provider) to the origin, inclusive. */
  path: Hop[];
  /** True when the origin is the item read itself (no hop between). */
  direct: boolean;
  /** Whether the item read is an endpoint (its own `access` is `access-policy`'s). */
  endpoint: boolean;
}

/** A declared `pii` that says no personal data is left (a derivation that minimized it). */
const NO_PII = /^(none|no|anonymi[sz]ed|aggregated?)$/i;

const restricted = (o: { allowedUse?: string[]; access?: string }): boolean =>
  (o.allowedUse?.length ?? 0) > 0 || (!!o.access && o.access !== 'any');

/**
 * The items with restrictions that the data of a dataset comes from: itself, and through
 * `derived_from` every dataset (or endpoint carrying the named data) upstream, until a dataset
 * that declares its personal data gone (`pii: none`). Stops on cycles.
 */
function originsOfDataset(
  ctx: RuleContext,
  ref: string,
  ds: ProvidedDataset,
): Array<{ origin: Origin; path: Hop[] }> {
  return ctx.memo(
    memoKey('data-use-path', ds.name),
    () => {
      const out: Array<{ origin: Origin; path: Hop[] }> = [];
      // Visited: lower-cased ref → the dataset names seen there (the walk's key is the pair).
      const visited = new Map<string, string[]>();
      let visits = 0;
      // The way from the dataset read to the one visited: copied only into an origin found.
      const path: Hop[] = [];
      const walk = (at: string, d: ProvidedDataset) => {
        // enterWalk's bound, on the pair (ref, dataset) without a string made per visit.
        const lowered = lower(at);
        const names = visited.get(lowered);
        if (
          names?.includes(d.name) ||
          path.length >= MAX_WALK_DEPTH ||
          visits >= MAX_WALK_VISITS
        ) {
          return;
        }
        visits++;
        if (names) {
          names.push(d.name);
        } else {
          visited.set(lowered, [d.name]);
        }
        path.push({ ref: at, subject: d.name });
        if (restricted(d)) {
          out.push({
            origin: {
              holder: at,
              item: d.name,
              allowedUse: d.allowedUse,
              access: d.access,
              pii: d.pii,
            },
            path: path.slice(),
          });
        }
        if (!d.pii || !NO_PII.test(d.pii)) {
          for (const source of d.derivedFrom) {
            const match = ctx.findDataset(source.ref, source.dataset);
            if (match.provider && match.dataset) {
              walk(match.provider, match.dataset);
              continue;
            }
            // derived from data an endpoint of the source carries
            const provider = ctx.resolve(source.ref)?.ref;
            const endpoints = provider
              ? ctx.contract(provider)?.endpoints ?? []
              : [];
            for (const e of endpoints) {
              if (e.data.includes(source.dataset) && restricted(e)) {
                out.push({
                  origin: endpointOrigin(provider!, e),
                  path: [...path, { ref: provider!, subject: e.path }],
                });
              }
            }
          }
        }
        path.pop();
      };
      walk(ref, ds);
      return out;
    },
    ref,
  );
}

function endpointOrigin(holder: string, e: ProvidedEndpoint): Origin {
  return {
    holder,
    item: e.path,
    allowedUse: e.allowedUse,
    access: e.access,
    pii: e.pii,
  };
}

/** What a receiver reads: the data named at its provider, and for which use, at which level. */
interface Need {
  /** `requires[]` reads data endpoints carry too; `data_dependencies[]` datasets only. */
  kind: 'requires' | 'dataset';
  data: string;
  provider: string;
  use?: string;
  level?: string;
  loc: SourceLocation;
}

/** The origins of the data a need reaches at its provider: its datasets and endpoints. */
function carriedTo(ctx: RuleContext, need: Need, viaRef: string): Carried[] {
  const out: Carried[] = [];
  const match = ctx.findDataset(viaRef, need.data);
  if (match.provider && match.dataset) {
    for (const o of originsOfDataset(ctx, match.provider, match.dataset)) {
      out.push({ ...o, direct: o.path.length === 1, endpoint: false });
    }
  }
  const contract = ctx.contract(need.provider);
  const endpoints =
    need.kind === 'requires'
      ? carriers(contract?.endpoints ?? [], need.data)
      : [];
  for (const e of endpoints) {
    const at = { ref: need.provider, subject: e.path };
    if (restricted(e)) {
      out.push({
        origin: endpointOrigin(need.provider, e),
        path: [at],
        direct: true,
        endpoint: true,
      });
    }
    // an endpoint serving a dataset of its own entity carries that dataset's origins
    for (const name of e.data) {
      const ds = contract?.datasets.find(d => d.name === name);
      if (!ds || (match.dataset && ds === match.dataset)) continue;
      for (const o of originsOfDataset(ctx, need.provider, ds)) {
        out.push({
          ...o,
          path: [at, ...o.path],
          direct: false,
          endpoint: true,
        });
      }
    }
  }
  return out;
}

/** What the receiver is not allowed, by the origin: a use it does not list, an access it lacks. */
function violations(c: Carried, need: Need): string[] {
  const out: string[] = [];
  const { allowedUse, access } = c.origin;
  if (allowedUse?.length && need.use && !allowedUse.includes(need.use)) {
    out.push('use');
  }
  // one hop to an endpoint is `access-policy`'s finding
  if (
    access &&
    access !== 'any' &&
    need.level !== access &&
    !(c.direct && c.endpoint)
  ) {
    out.push('access');
  }
  return out;
}

function needsOf(
  ctx: RuleContext,
  anchor: EntityContract,
): Array<{ need: Need; via: string }> {
  const out: Array<{ need: Need; via: string }> = [];
  for (const r of anchor.requires) {
    const target = ctx.resolve(r.ref);
    if (target) {
      out.push({
        need: {
          kind: 'requires',
          data: r.data,
          provider: target.ref,
          use: r.useCase,
          level: r.accessLevel,
          loc: r.loc,
        },
        via: r.ref,
      });
    }
  }
  for (const dd of anchor.dataDependencies) {
    const match = ctx.findDataset(dd.ref, dd.dataset);
    if (match.provider) {
      out.push({
        need: {
          kind: 'dataset',
          data: dd.dataset,
          provider: match.provider,
          use: dd.reason,
          loc: dd.loc,
        },
        via: dd.ref,
      });
    }
  }
  return out;
}

/**
 * `data-use-path`: restricted data reaches a receiver whose use case or access level its
 * origin does not allow, possibly several hops away. An origin is a dataset or endpoint with
 * `purposes` / `allowed_use` or an `access` other than `any`; its data travels through
 * `derived_from` (datasets derived from datasets, or from the data an endpoint carries) and
 * through endpoints serving a dataset of their own entity, until a dataset that declares its
 * personal data gone (`pii: none`, `anonymized`, `aggregated`). Receivers are `requires[]`
 * (their `use_case` and `access_level`) and `data_dependencies[]` (their `reason` as the use).
 * The one-hop case of an endpoint's own `access` is `access-policy`'s. A trade-off for the
 * receiver's owners and the origin's (the finding's provider).
 * @public
 */
export const dataUsePathRule: ContractRule = {
  id: 'data-use-path',
  title: 'Restricted data used beyond its origin',
  defaultSeverity: 'tradeoff',
  description:
    'Restricted data reaches a receiver, across hops, whose access or use case its origin does not allow.',
  evaluate(anchor, ctx) {
    const self = anchor.entityRef;
    const drafts: FindingDraft[] = [];
    const seen = new Set<string>();
    for (const { need, via } of needsOf(ctx, anchor)) {
      for (const carried of carriedTo(ctx, need, via)) {
        const broken = violations(carried, need);
        if (broken.length === 0) continue;
        const { origin } = carried;
        if (sameRef(origin.holder, self)) continue;
        const key = `${need.data}\n${origin.holder}\n${origin.item}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const c = entityName(self);
        const o = entityName(origin.holder);
        const use = need.use ? humanize(need.use) : undefined;
        const allowed = origin.allowedUse?.map(humanize);
        const route = [...carried.path]
          .reverse()
          .map(h => `${entityName(h.ref)} ${h.subject}`)
          .join(' → ');
        const limits = [
          allowed?.length ? `for ${allowed.join(', ')} only` : '',
          origin.access && origin.access !== 'any' ? `to ${origin.access}` : '',
        ]
          .filter(Boolean)
          .join(', ');
        const reading = `${need.data}${use ? ` ${purposeOf(use)}` : ''}${
          need.level ? ` at ${need.level}` : ''
        }`;
        const expected = `${origin.item} ${limits}`;
        const actual = `${c} reads ${reading} (${route} → ${c})`;
        const middle = carried.path
          .slice(0, -1)
          .map(h => entityName(h.ref))
          .filter((n, i, all) => all.indexOf(n) === i && n !== o);
        const resolutions = [
          ...(middle.length
            ? [
                `${middle[0]}: Minimize what ${need.data} takes from ${origin.item} (aggregate or drop it; declare \`pii: none\` once it holds none) (privacy review)`,
              ]
            : []),
          broken.includes('use')
            ? `${o}: Allow ${use} for ${origin.item} (privacy review)`
            : `${o}: Grant ${need.level ?? c} access to ${
                origin.item
              } (security review)`,
          `${c}: Get ${need.data} from a source that allows ${
            broken.includes('use') ? use : 'its access'
          } (workflow)`,
        ];
        drafts.push({
          consumer: self,
          provider: origin.holder,
          subject: need.data,
          title: 'Restricted data used beyond its origin',
          expected,
          actual,
          impact: `${capitalize(c)} receives ${o}'s ${origin.item}${
            origin.pii ? ` (pii ${origin.pii})` : ''
          } ${
            broken.includes('use') && use
              ? `${purposeOf(use)}, which ${o} does not allow`
              : `without the access ${o} requires`
          }`,
          resolutions,
          evidence: {
            need: [need.data, need.use, need.level],
            origin: [
              origin.holder,
              origin.item,
              origin.allowedUse,
              origin.access,
              origin.pii,
            ],
            path: carried.path.map(h => [h.ref, h.subject]),
          },
          details: [
            `${c} reads: ${reading}`,
            `carried from: ${route}`,
            `${o} allows: ${expected}`,
          ],
          notes: [
            `Trade-off: ${capitalize(c)} ${
              use ?? 'workflow'
            } vs ${o}'s restrictions on ${origin.item}`,
            ...resolutionLines(resolutions),
          ],
          chain: [self, ...carried.path.map(h => h.ref)].filter(
            (r, i, all) => i === 0 || r !== all[i - 1],
          ),
          location: need.loc,
          // the first hop is the need's edge (its subject the data named), then derived_from's
          edges: chainEdges(
            self,
            carried.path
              .filter((h, i, all) => i === 0 || h.ref !== all[i - 1].ref)
              .map((h, i) =>
                i === 0 ? { ref: h.ref, subject: need.data } : h,
              ),
          ),
        });
      }
    }
    return drafts;
  },
};
