/*
 * What one caller is shown of the contracts graph: an entity, a finding, a proposal's what-if.
 * The REST routes (service/router.ts) and the actions (actions/) both answer with these, so the
 * caller's catalog read permission is applied to them in one place.
 */
import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import {
  type ContractSource,
  type Finding,
  groupUnansweredNeeds,
  UNANSWERED_NEED_RULE,
} from '@backstage-contracts/plugin-contracts-common';
import type { CatalogVisibility, Visibility } from './CatalogVisibility';
import {
  type ContractsGraphService,
  type GraphSnapshot,
  refKey,
} from './ContractsGraphService';
import type { DecisionsService } from './DecisionsService';
import {
  findingRefs,
  redactDecisions,
  redactFinding,
  redactFindings,
} from './redaction';

/** A proposed contract for an entity: one YAML document or several files. */
export interface ContractProposal {
  entityRef: string;
  /** One YAML document, as a shortcut for `sources: [{ file: 'proposed.yaml', text }]`. */
  contract?: string;
  sources?: ContractSource[];
}

/** The graph as one caller may see it. */
export class ContractsViews {
  constructor(
    private readonly options: {
      graph: ContractsGraphService;
      decisions: DecisionsService;
      /** The caller's catalog read permission. */
      catalogVisibility: CatalogVisibility;
    },
  ) {}

  /** The current graph, once it has been read (or the wait for it has timed out). */
  snapshot = async (): Promise<GraphSnapshot> => {
    await this.options.graph.ready();
    return this.options.graph.snapshot();
  };

  /**
   * How current the graph is: `computedAt`, when it last changed; when it is stale, why
   * (`staleReason`), since when (`staleSince`) and when it was last checked against the catalog
   * successfully (`lastSuccessAt`, null before the first success): what it shows is the catalog
   * as of then.
   */
  freshness = (s: GraphSnapshot) => ({
    stale: s.stale,
    computedAt: s.computedAt ?? null,
    ...(s.stale
      ? {
          ...(s.staleReason ? { staleReason: s.staleReason } : {}),
          ...(s.staleSince ? { staleSince: s.staleSince } : {}),
          lastSuccessAt: s.lastSuccessAt ?? null,
        }
      : {}),
  });

  /** The 404 of an entity the graph does not know, or the caller may not read: the same. */
  noEntity = (ref: string) =>
    new NotFoundError(`No entity ${ref} in the contracts graph`);

  /** The 404 of a finding that does not exist, or whose parties the caller may read neither of. */
  noFinding = (id: string) => new NotFoundError(`No finding ${id}`);

  /** The findings of an entity; a NotFoundError when the graph knows nothing of it. */
  related = (s: GraphSnapshot, ref: string): Finding[] => {
    if (!s.entities.has(ref) && !s.items.hasFindings(ref)) {
      throw this.noEntity(ref);
    }
    return s.items.findingsOf(ref);
  };

  /** An entity and every entity its findings name. */
  refsAround = (s: GraphSnapshot, ref: string): string[] => [
    ref,
    ...s.items.findingsOf(ref).flatMap(findingRefs),
  ];

  /**
   * An entity's body: its contract and problems, `findings` (as the caller is shown them), the
   * decision records that count now (redacted for `visibility`) and how many there are in all.
   */
  entityBody = <F extends Finding>(
    s: GraphSnapshot,
    ref: string,
    findings: F[],
    visibility: Visibility,
  ) => {
    const stored = s.entities.get(ref);
    // the records that count now, and how many there are in all (the history: GET /decisions)
    const current = this.options.decisions.current(s.items.findingIdsOf(ref));
    return {
      entityRef: stored?.summary.ref ?? ref,
      contracts: stored?.contract ?? null,
      problems: stored?.problems ?? [],
      findings,
      decisions: redactDecisions(current.decisions, visibility),
      decisionCount: current.count,
      ...this.freshness(s),
    };
  };

  /**
   * An entity as the caller may see it (`ref` lower-cased): a NotFoundError, the same as for an
   * unknown entity, when they may not read it. With the snapshot and the caller's visibility,
   * covering the entity and every entity its findings name.
   */
  async entity(credentials: BackstageCredentials, ref: string) {
    const s = await this.snapshot();
    const visibility = await this.options.catalogVisibility.forCaller(
      credentials,
      () => this.refsAround(s, ref),
    );
    if (!visibility.canRead(ref)) throw this.noEntity(ref);
    const findings = this.options.decisions.withStatus(this.related(s, ref));
    return {
      s,
      visibility,
      body: this.entityBody(
        s,
        ref,
        redactFindings(findings, visibility),
        visibility,
      ),
    };
  }

  /** A finding as the caller may see it (`shown`); a NotFoundError when they may not. */
  async finding(credentials: BackstageCredentials, id: string) {
    const s = await this.snapshot();
    const finding = s.items.finding(id);
    if (!finding) throw this.noFinding(id);
    const visibility = await this.options.catalogVisibility.forCaller(
      credentials,
      () => findingRefs(finding),
    );
    const shown = redactFinding(finding, visibility);
    if (!shown) throw this.noFinding(id);
    return { s, finding, shown, visibility };
  }

  /**
   * The needs of others that providers have not answered (`unanswered-need` findings, and
   * `unresolved-reference` findings naming what an existing provider does not declare), grouped
   * per provider and subject by groupUnansweredNeeds, each group with its provider's owner.
   * Only providers the caller may read; `provider`: only the needs on it; `owner`: only the
   * needs on providers this group or user owns.
   */
  async unanswered(
    credentials: BackstageCredentials,
    q: { provider?: string; owner?: string },
  ) {
    const s = await this.snapshot();
    const candidates = s.items.findings
      .all()
      .filter(
        f =>
          f.rule === UNANSWERED_NEED_RULE || f.rule === 'unresolved-reference',
      );
    const visibility = await this.options.catalogVisibility.forCaller(
      credentials,
      () => [
        ...(q.provider ? [q.provider] : []),
        ...candidates.flatMap(findingRefs),
      ],
    );
    const { canRead } = visibility;
    const ownerOf = (ref: string) => s.items.node(refKey(ref))?.owner;
    const provider =
      q.provider && canRead(q.provider) ? refKey(q.provider) : undefined;
    let findings = candidates.filter(
      f =>
        (!q.provider || refKey(f.provider) === provider) && canRead(f.provider),
    );
    if (q.owner) {
      const owner = refKey(q.owner);
      findings = findings.filter(
        f => refKey(ownerOf(f.provider) ?? '') === owner,
      );
    }
    const groups = groupUnansweredNeeds(
      redactFindings(findings, visibility),
    ).map(g => {
      const owner = ownerOf(g.provider);
      return owner ? { ...g, owner } : g;
    });
    return { s, groups };
  }

  /**
   * What-if: the findings the graph would have if the entity had the proposed contract (those
   * involving it, those added and those removed), as the caller may see them. An entity of the
   * graph the caller may not read is as unknown as a missing one (a NotFoundError); an entity
   * the graph does not have yet can be checked (nothing of it is stored to be shown).
   */
  async check(credentials: BackstageCredentials, proposal: ContractProposal) {
    const s = await this.snapshot();
    const ref = refKey(proposal.entityRef);
    const visibility = await this.options.catalogVisibility.forCaller(
      credentials,
      () => [ref],
    );
    const known = s.entities.has(ref);
    if (known && !visibility.canRead(ref)) throw this.noEntity(ref);
    const sources = proposal.sources ?? [
      { file: 'proposed.yaml', text: proposal.contract ?? '' },
    ];
    const outcome = await this.options.graph.check(proposal.entityRef, sources);
    const changed = [...outcome.findings, ...outcome.added, ...outcome.removed];
    await visibility.cover(changed.flatMap(findingRefs));
    // the proposal is the caller's own: the entity they check is theirs to see
    const shown: Visibility = visibility.all
      ? visibility
      : {
          all: false,
          canRead: r => refKey(r) === ref || visibility.canRead(r),
        };
    const redacted = (list: Finding[]) =>
      redactFindings(this.options.decisions.withStatus(list), shown);
    return {
      entityRef: outcome.contract.entityRef,
      contracts: outcome.contract,
      problems: outcome.problems,
      findings: redacted(outcome.findings),
      added: redacted(outcome.added),
      removed: redacted(outcome.removed),
    };
  }
}
