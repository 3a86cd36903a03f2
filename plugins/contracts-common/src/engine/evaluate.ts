/*
 * One anchor's evaluation: every rule over its contract, each draft made a finding (id,
 * evidence hash, deciders, severity from configuration, the message), the graph edges its
 * contract draws; and the orders of findings, edges and nodes.
 */
import type { EntityContract, Finding, Severity } from '../types';
import { composeMessage, entityName } from './format';
import { attachKey, contractEdges, EdgeDraft } from './graph';
import { evidenceHash, fingerprint } from './hash';
import type { IndexedRuleContext } from './ruleContext';
import { defaultRules } from './rules';
import type {
  ContractRule,
  EdgeRef,
  EngineConfig,
  FindingDraft,
  GraphNode,
} from './types';

/** The default of {@link EngineConfig.retryAmplificationBound}. */
export const DEFAULT_RETRY_AMPLIFICATION_BOUND = 10;
/** The default of {@link EngineConfig.promiseDriftTolerance}. */
export const DEFAULT_PROMISE_DRIFT_TOLERANCE = 0.1;

const SEVERITY_RANK: Record<Severity, number> = {
  error: 0,
  warning: 1,
  tradeoff: 2,
  info: 3,
};

/** Kinds shown as graph nodes even without a contract. */
export const NODE_KINDS = new Set(['component', 'resource', 'api', 'system']);

export function cmp(a: string, b: string): number {
  if (a < b) {
    return -1;
  }
  return a > b ? 1 : 0;
}

/**
 * The order of findings: severity (error, warning, trade-off, info), then rule, consumer,
 * provider, subject.
 * @public
 */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    cmp(a.rule, b.rule) ||
    cmp(a.consumer, b.consumer) ||
    cmp(a.provider, b.provider) ||
    cmp(a.subject, b.subject) ||
    cmp(a.id, b.id)
  );
}

export function compareEdges(a: EdgeDraft, b: EdgeDraft): number {
  return (
    cmp(a.from, b.from) ||
    cmp(a.to, b.to) ||
    cmp(a.kind, b.kind) ||
    cmp(a.subject, b.subject) ||
    cmp(a.id, b.id)
  );
}

/**
 * The draft shown of an edge several anchors draw (contracts on two entities that both say they
 * are the same one): the same from, to, kind and subject, so at most `via` differs. The first
 * without one, else the first with the smallest: whatever the order they were drawn in.
 */
export function edgeWinner(drafts: EdgeDraft[]): EdgeDraft {
  let winner = drafts[0];
  for (let i = 1; i < drafts.length; i++) {
    const via = drafts[i].via;
    if (winner.via !== undefined && (via === undefined || via < winner.via)) {
      winner = drafts[i];
    }
  }
  return winner;
}

export function compareNodes(a: GraphNode, b: GraphNode): number {
  return cmp(a.ref, b.ref);
}

export interface ResolvedConfig {
  rules: ContractRule[];
  severity: Map<string, Severity>;
  deciders: Record<string, string[]>;
  settings: { retryAmplificationBound: number; promiseDriftTolerance: number };
}

export function resolveConfig(
  config: EngineConfig | undefined,
  rules: ContractRule[] | undefined,
): ResolvedConfig {
  const all = rules ?? defaultRules;
  const ids = new Set<string>();
  for (const rule of all) {
    if (ids.has(rule.id)) {
      throw new Error(`Duplicate contract rule id '${rule.id}'`);
    }
    ids.add(rule.id);
  }
  const severity = new Map<string, Severity>();
  for (const [id, c] of Object.entries(config?.rules ?? {})) {
    if (c.severity) {
      severity.set(id, c.severity);
    }
  }
  return {
    rules: all.filter(r => config?.rules?.[r.id]?.enabled !== false),
    severity,
    deciders: config?.deciders ?? {},
    settings: {
      retryAmplificationBound:
        config?.retryAmplificationBound ?? DEFAULT_RETRY_AMPLIFICATION_BOUND,
      promiseDriftTolerance:
        config?.promiseDriftTolerance ?? DEFAULT_PROMISE_DRIFT_TOLERANCE,
    },
  };
}

/** A finding with the graph edges it lies on. */
export interface FindingEntry {
  anchor: string;
  finding: Finding;
  /** The {@link attachKey}s of the edges it lies on, without duplicates. */
  attach: string[];
  /** The same edges as from, to and subject (`on[i]` is `attach[i]`). */
  on: EdgeRef[];
}

/** What an anchor's evaluation produced, and when reads are recorded what it read. */
export interface UnitOutput {
  findings: FindingEntry[];
  edges: EdgeDraft[];
  /** The distinct read keys (see `engine.ts`), when recorded. */
  reads?: number[];
}

/**
 * The `findings` of every anchor without findings: one frozen array shared by most anchors
 * (never pushed to: an anchor with findings gets its own).
 */
const NO_ENTRIES = Object.freeze([]) as unknown as FindingEntry[];

export function buildFinding(
  rule: ContractRule,
  draft: FindingDraft,
  cfg: ResolvedConfig,
  ctx: IndexedRuleContext,
): Finding {
  const severity =
    cfg.severity.get(rule.id) ?? draft.severity ?? rule.defaultSeverity;
  const deciders: string[] = [];
  for (const d of [
    ...(cfg.deciders[rule.id] ?? []),
    ctx.entity(draft.consumer)?.owner,
    ctx.entity(draft.provider)?.owner,
  ]) {
    if (d && !deciders.includes(d)) {
      deciders.push(d);
    }
  }
  const finding: Finding = {
    id: fingerprint(rule.id, draft.consumer, draft.provider, draft.subject),
    rule: rule.id,
    severity,
    status: 'open',
    consumer: draft.consumer,
    provider: draft.provider,
    subject: draft.subject,
    title: draft.title,
    expected: draft.expected,
    actual: draft.actual,
    impact: draft.impact,
    resolutions: draft.resolutions,
    evidence: evidenceHash(draft.evidence),
    message: composeMessage({
      severity,
      title: draft.title,
      details: draft.details,
      notes: draft.notes,
      action: draft.action,
      deciders,
    }),
  };
  if (deciders.length) {
    finding.deciders = deciders;
  }
  if (draft.chain) {
    finding.chain = draft.chain;
  }
  if (draft.location) {
    finding.location = { ...draft.location, entity: draft.consumer };
  }
  return finding;
}

export function evaluateAnchor(
  anchor: string,
  contract: EntityContract,
  cfg: ResolvedConfig,
  ctx: IndexedRuleContext,
): UnitOutput {
  const from = ctx.entity(contract.entityRef)?.ref ?? contract.entityRef;
  const edges = contractEdges(from, contract, ctx);
  let findings = NO_ENTRIES;
  let seen: Set<string> | undefined;
  for (const rule of cfg.rules) {
    let drafts: FindingDraft[];
    try {
      drafts = rule.evaluate(contract, ctx);
    } catch (e) {
      drafts = [
        {
          severity: 'warning',
          consumer: from,
          provider: from,
          subject: 'rule-failure',
          title: 'Rule evaluation failed',
          expected: 'the rule evaluates',
          actual: e instanceof Error ? e.message : String(e),
          impact: `The rule '${rule.id}' could not check ${entityName(from)}`,
          resolutions: [],
          evidence: [String(e)],
          details: [`${rule.id} failed: ${String(e)}`],
        },
      ];
    }
    // Indexed: most rules return a frozen empty array, which `for…of` walks on a slow path
    // that makes an iterator result per step.
    for (let i = 0; i < drafts.length; i++) {
      const draft = drafts[i];
      const finding = buildFinding(rule, draft, cfg, ctx);
      seen ??= new Set();
      if (seen.has(finding.id)) {
        continue;
      }
      seen.add(finding.id);
      // Findings name the anchor as its contract spells it; edges start at its entity ref.
      const attach: string[] = [];
      const on: EdgeRef[] = [];
      for (const e of draft.edges ?? [
        { from: draft.consumer, to: draft.provider, subject: draft.subject },
      ]) {
        const ref: EdgeRef = {
          from: e.from === contract.entityRef ? from : e.from,
          to: e.to === contract.entityRef ? from : e.to,
          subject: e.subject,
        };
        const key = attachKey(ref.from, ref.to, ref.subject);
        if (!attach.includes(key)) {
          attach.push(key);
          on.push(ref);
        }
      }
      if (findings === NO_ENTRIES) {
        findings = [];
      }
      findings.push({ anchor, finding, attach, on });
    }
  }
  return { findings, edges, reads: undefined };
}
