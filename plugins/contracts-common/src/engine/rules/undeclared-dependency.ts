import type { SourceLocation } from '../../types';
import { entityName } from '../format';
import { resolvedCalls } from '../paths';
import type { ContractRule, FindingDraft, RuleContext } from '../types';
import { lower } from '../refs';

/**
 * What a contract says about a target: `calls score`, `reads orders`, `derives a from b`,
 * `needs detail` (kept as parts: the text is made only for a finding).
 */
interface What {
  verb: 'calls' | 'reads' | 'derives' | 'needs';
  object: string;
  /** `derives`: the source dataset. */
  from?: string;
}

function whatText(w: What): string {
  return w.verb === 'derives'
    ? `derives ${w.object} from ${w.from}`
    : `${w.verb} ${w.object}`;
}

interface ContractEdge {
  /** The target in lower case: edges to one target are one. */
  key: string;
  target: string;
  accepted: string[];
  loc: SourceLocation;
  what: What;
}

/** The contract's edges in the order first drawn (a handful: scanned, not mapped). */
type ContractEdges = ContractEdge[];

function addEdge(
  edges: ContractEdges,
  target: string,
  alsoAccepted: string | undefined,
  loc: SourceLocation,
  what: What,
) {
  const key = lower(target);
  for (const existing of edges) {
    if (existing.key === key) {
      if (alsoAccepted) {
        existing.accepted.push(alsoAccepted);
      }
      return;
    }
  }
  edges.push({
    key,
    target,
    accepted: alsoAccepted ? [target, alsoAccepted] : [target],
    loc,
    what,
  });
}

function addDataEdge(
  edges: ContractEdges,
  ctx: RuleContext,
  ref: string,
  name: string,
  loc: SourceLocation,
  what: What,
) {
  const m = ctx.findDataset(ref, name);
  const target = m.provider ?? m.source;
  if (target) {
    addEdge(edges, target, m.source, loc, what);
  }
}

/**
 * `undeclared-dependency`: a contract edge and the catalog's `dependsOn` disagree. Either the
 * contract depends on an entity the catalog does not list as a dependency (the provider, or
 * the source entity a dataset is read through, counts), or the catalog lists a dependency on
 * an entity that has a contract of its own while the contract says nothing about it.
 * @public
 */
export const undeclaredDependencyRule: ContractRule = {
  id: 'undeclared-dependency',
  title: 'Contract and catalog dependencies disagree',
  defaultSeverity: 'info',
  description: "A contract edge and the catalog's dependsOn disagree.",
  evaluate(anchor, ctx) {
    const self = anchor.entityRef;
    const catalog = ctx.catalogDependencies(self);
    // Contract edges: target → the refs that satisfy it in the catalog, where it was written.
    const edges: ContractEdges = [];
    for (const { call, target: t } of resolvedCalls(ctx, anchor)) {
      // An API gateway's call to the API's provider is the catalog's `apiProvidedBy`.
      if (t && !call.dependency?.imported) {
        addEdge(edges, t.ref, undefined, call.loc, {
          verb: 'calls',
          object: call.operation ?? call.service,
        });
      }
    }
    for (let i = 0; i < anchor.dataDependencies.length; i++) {
      const dd = anchor.dataDependencies[i];
      addDataEdge(edges, ctx, dd.ref, dd.dataset, dd.loc, {
        verb: 'reads',
        object: dd.dataset,
      });
    }
    for (let d = 0; d < anchor.datasets.length; d++) {
      const ds = anchor.datasets[d];
      for (let i = 0; i < ds.derivedFrom.length; i++) {
        const src = ds.derivedFrom[i];
        addDataEdge(edges, ctx, src.ref, src.dataset, src.loc, {
          verb: 'derives',
          object: ds.name,
          from: src.dataset,
        });
      }
    }
    for (let i = 0; i < anchor.requires.length; i++) {
      const r = anchor.requires[i];
      const t = ctx.resolve(r.ref);
      if (t) {
        addEdge(edges, t.ref, undefined, r.loc, {
          verb: 'needs',
          object: r.data,
        });
      }
    }
    const drafts: FindingDraft[] = [];
    // The catalog's dependencies and the refs the contract's edges cover, in lower case (a
    // handful each: arrays).
    const declared = catalog.map(r => lower(r));
    const covered: string[] = [];
    const selfKey = lower(self);
    for (const edge of edges) {
      if (edge.key === selfKey) {
        continue;
      }
      let isDeclared = false;
      for (const r of edge.accepted) {
        const key = lower(r);
        covered.push(key);
        isDeclared = isDeclared || declared.includes(key);
      }
      if (isDeclared) {
        continue;
      }
      const s = entityName(self);
      const what = whatText(edge.what);
      const t = entityName(edge.target);
      drafts.push({
        consumer: self,
        provider: edge.target,
        subject: 'dependsOn',
        title: 'Contract dependency missing from the catalog',
        expected: `${s} dependsOn ${edge.target} in the catalog`,
        actual: 'no catalog relation',
        impact: `The catalog's dependency graph does not show that ${s} ${what} on ${t}`,
        resolutions: [`${s}: Add ${edge.target} to spec.dependsOn (catalog)`],
        evidence: { contract: edge.target, catalog: catalog },
        details: [
          `${s} contract: ${what} on ${t}`,
          `catalog: ${s} does not depend on ${t}`,
        ],
        location: edge.loc,
        edges: [],
      });
    }
    for (const dep of catalog) {
      if (
        covered.includes(lower(dep)) ||
        lower(dep) === selfKey ||
        !ctx.contract(dep)
      ) {
        continue;
      }
      const s = entityName(self);
      const d = entityName(dep);
      drafts.push({
        consumer: self,
        provider: dep,
        subject: 'dependsOn',
        title: 'Catalog dependency missing from the contract',
        expected: `${s}'s contract covers its dependency on ${d}`,
        actual: 'no contract edge',
        impact: `Nothing is checked between ${s} and ${d} although the catalog says ${s} depends on it`,
        resolutions: [
          `${s}: Declare the dependency on ${d} in its contract (contract)`,
          `${s}: Remove ${dep} from spec.dependsOn (catalog)`,
        ],
        evidence: { catalog: dep },
        details: [
          `catalog: ${s} depends on ${d}`,
          `${s} contract: nothing on ${d}`,
        ],
        edges: [],
      });
    }
    return drafts;
  },
};
