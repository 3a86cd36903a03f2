import type { SourceLocation } from '../../types';
import { entityName } from '../format';
import type { Slot } from '../catalog';
import {
  contractRefs,
  findDatasetVia,
  resolvedCalls,
  resolveVia,
} from '../paths';
import type { ContractRule, FindingDraft, RuleContext } from '../types';

type ContractEdges = Map<
  string,
  { target: string; accepted: string[]; loc: SourceLocation; what: string }
>;

function addEdge(
  edges: ContractEdges,
  target: string,
  alsoAccepted: string | undefined,
  loc: SourceLocation,
  what: string,
) {
  const key = target.toLowerCase();
  const existing = edges.get(key);
  if (existing) {
    if (alsoAccepted) {
      existing.accepted.push(alsoAccepted);
    }
  } else {
    edges.set(key, {
      target,
      accepted: alsoAccepted ? [target, alsoAccepted] : [target],
      loc,
      what,
    });
  }
}

function addDataEdge(
  edges: ContractEdges,
  ctx: RuleContext,
  slot: Slot | undefined,
  ref: string,
  name: string,
  loc: SourceLocation,
  what: string,
) {
  const m = findDatasetVia(ctx, slot, ref, name);
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
    const s = entityName(self);
    const catalog = ctx.catalogDependencies(self);
    const declared = new Set(catalog.map(r => r.toLowerCase()));
    // Contract edges: target → the refs that satisfy it in the catalog, where it was written.
    const edges: ContractEdges = new Map();
    for (const { call, target: t } of resolvedCalls(ctx, anchor)) {
      if (t) {
        addEdge(
          edges,
          t.ref,
          undefined,
          call.loc,
          `calls ${call.operation ?? call.service}`,
        );
      }
    }
    const refs = contractRefs(ctx, anchor);
    for (let i = 0; i < anchor.dataDependencies.length; i++) {
      const dd = anchor.dataDependencies[i];
      addDataEdge(
        edges,
        ctx,
        refs?.dataDependencies[i],
        dd.ref,
        dd.dataset,
        dd.loc,
        `reads ${dd.dataset}`,
      );
    }
    for (let d = 0; d < anchor.datasets.length; d++) {
      const ds = anchor.datasets[d];
      for (let i = 0; i < ds.derivedFrom.length; i++) {
        const src = ds.derivedFrom[i];
        addDataEdge(
          edges,
          ctx,
          refs?.derivedFrom[d][i],
          src.ref,
          src.dataset,
          src.loc,
          `derives ${ds.name} from ${src.dataset}`,
        );
      }
    }
    for (let i = 0; i < anchor.requires.length; i++) {
      const r = anchor.requires[i];
      const t = resolveVia(ctx, refs?.requires[i], r.ref);
      if (t) {
        addEdge(edges, t.ref, undefined, r.loc, `needs ${r.data}`);
      }
    }
    const drafts: FindingDraft[] = [];
    const covered = new Set<string>();
    for (const edge of edges.values()) {
      if (edge.target.toLowerCase() === self.toLowerCase()) {
        continue;
      }
      const accepted = edge.accepted.map(r => r.toLowerCase());
      accepted.forEach(r => covered.add(r));
      if (accepted.some(r => declared.has(r))) {
        continue;
      }
      const t = entityName(edge.target);
      drafts.push({
        consumer: self,
        provider: edge.target,
        subject: 'dependsOn',
        title: 'Contract dependency missing from the catalog',
        expected: `${s} dependsOn ${edge.target} in the catalog`,
        actual: 'no catalog relation',
        impact: `The catalog's dependency graph does not show that ${s} ${edge.what} on ${t}`,
        resolutions: [`${s}: Add ${edge.target} to spec.dependsOn (catalog)`],
        evidence: { contract: edge.target, catalog: catalog },
        details: [
          `${s} contract: ${edge.what} on ${t}`,
          `catalog: ${s} does not depend on ${t}`,
        ],
        location: edge.loc,
        edges: [],
      });
    }
    for (const dep of catalog) {
      if (
        covered.has(dep.toLowerCase()) ||
        dep.toLowerCase() === self.toLowerCase() ||
        !ctx.contract(dep)
      ) {
        continue;
      }
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
