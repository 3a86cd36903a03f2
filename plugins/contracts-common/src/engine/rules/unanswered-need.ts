import type { Finding, SourceLocation } from '../../types';
import { capitalize, entityName, formatMs, formatPercentile } from '../format';
import { chainFreshness, chainLatency, resolvedCalls } from '../paths';
import type { ContractRule, FindingDraft } from '../types';
import { lower, sameRef } from '../refs';

/** The rule id of an unanswered need. @public */
export const UNANSWERED_NEED_RULE = 'unanswered-need';

/** The title of an unanswered need, before its aspect: `Unanswered need (latency)`. */
const UNANSWERED_NEED_TITLE = 'Unanswered need';

/** What a consumer needs and what the provider says (nothing) about it. */
interface Need {
  consumer: string;
  provider: string;
  subject: string;
  /** What is needed, e.g. `p95 < 200ms`, `fresher than <2m`, `support_tier_2 access`. */
  expected: string;
  /** `latency`, `freshness`, `data`, `operation`. */
  aspect: string;
  /** The provider has no contract at all (else: its contract is silent on this aspect). */
  noContract: boolean;
  location: SourceLocation;
}

function draft(need: Need): FindingDraft {
  const c = entityName(need.consumer);
  const p = entityName(need.provider);
  const about = `${need.subject} ${need.aspect}`;
  const actual = need.noContract
    ? `${p} has no contract: it promises nothing`
    : `${p} promises no ${need.aspect} for ${need.subject}`;
  return {
    consumer: need.consumer,
    provider: need.provider,
    subject: need.subject,
    title: `${UNANSWERED_NEED_TITLE} (${need.aspect})`,
    expected: need.expected,
    actual,
    impact: `${capitalize(
      c,
    )} depends on ${about} that nobody promises: it cannot be checked`,
    resolutions: [
      `${p}: Declare a promise on ${about}, or import one it already writes (ODCS, Pyrra or OpenSLO SLO, OpenAPI) through contracts.io/ref (contract)`,
      `${c}: Drop the need, or agree it with ${p}'s owners (conversation)`,
    ],
    evidence: {
      aspect: need.aspect,
      expected: need.expected,
      noContract: need.noContract,
    },
    details: [
      `${c} needs: ${need.expected} (${about})`,
      `${p} promises: nothing`,
    ],
    action: `${capitalize(p)} must answer ${c}'s need on ${about}`,
    location: need.location,
  };
}

/**
 * `unanswered-need` (info): a consumer's need that its provider answers with no promise. A need
 * is a call with a latency budget, a timeout or an operation named (`depends_on`), a data
 * dependency (`data_dependencies`) or a data requirement (`requires`). Unanswered: the provider
 * has no contract at all (declared or imported), or its contract provides the operation or
 * dataset but no latency (nor through its own dependencies) where a budget or timeout needs
 * one, no freshness (nor through its lineage) where a freshness is required. A provider with a
 * contract that does not provide the named operation, dataset or data at all is an
 * `unresolved-reference` instead. The provider's page lists these (`GET /unanswered`).
 * @public
 */
export const unansweredNeedRule: ContractRule = {
  id: UNANSWERED_NEED_RULE,
  title: 'Unanswered need',
  defaultSeverity: 'info',
  description:
    "A consumer's need (latency, freshness, data) on a provider that promises nothing about it.",
  evaluate(anchor, ctx) {
    const consumer = anchor.entityRef;
    const needs: Need[] = [];
    const seen = new Set<string>();
    const add = (need: Need) => {
      const key = `${lower(need.provider)}\n${need.subject}`;
      if (
        seen.has(key) ||
        sameRef(need.provider, consumer)
      )
        return;
      seen.add(key);
      needs.push(need);
    };
    for (const rc of resolvedCalls(ctx, anchor)) {
      const { call, target } = rc;
      const dep = call.dependency;
      if (!target || !dep) continue;
      const budget = dep.budget[0];
      const wantsLatency = dep.budget.length > 0 || dep.timeoutMs !== undefined;
      if (!wantsLatency && !call.operation) continue;
      const subject = call.operation ?? call.service;
      let expected = `operation ${call.operation}`;
      if (budget) expected = dep.budget.map(b => b.raw).join(', ');
      else if (dep.timeoutMs !== undefined)
        expected = `an answer within ${formatMs(dep.timeoutMs)} (timeout)`;
      const location = budget?.loc ?? dep.loc;
      if (!rc.contract) {
        add({
          consumer,
          provider: target.ref,
          subject,
          expected,
          aspect: wantsLatency ? 'latency' : 'operation',
          noContract: true,
          location,
        });
        continue;
      }
      if (!wantsLatency || !call.operation || !rc.operation) continue;
      const percentile = budget?.percentile ?? 99;
      const known =
        chainLatency(
          ctx,
          target.ref,
          call.operation,
          percentile,
          rc.operation,
        ) ??
        (budget
          ? undefined
          : chainLatency(ctx, target.ref, call.operation, 100, rc.operation));
      if (!known) {
        add({
          consumer,
          provider: target.ref,
          subject,
          expected: budget
            ? expected
            : `${formatPercentile(percentile)} under ${formatMs(
                dep.timeoutMs!,
              )} (timeout)`,
          aspect: 'latency',
          noContract: false,
          location,
        });
      }
    }
    anchor.dataDependencies.forEach(dd => {
      const m = ctx.findDataset(dd.ref, dd.dataset);
      const expected = `${dd.dataset} fresher than ${dd.freshnessRaw.replace(
        /^\s*</,
        '',
      )}`;
      if (!m.provider && m.source && m.candidatesHaveContract === false) {
        add({
          consumer,
          provider: m.source,
          subject: dd.dataset,
          expected,
          aspect: 'freshness',
          noContract: true,
          location: dd.loc,
        });
      } else if (
        m.provider &&
        m.dataset &&
        !chainFreshness(ctx, m.provider, m.dataset)
      ) {
        add({
          consumer,
          provider: m.provider,
          subject: dd.dataset,
          expected,
          aspect: 'freshness',
          noContract: false,
          location: dd.loc,
        });
      }
    });
    anchor.requires.forEach(r => {
      const target = ctx.resolve(r.ref);
      if (!target || ctx.contract(target.ref)) return;
      add({
        consumer,
        provider: target.ref,
        subject: r.data,
        expected: `${r.data}${
          r.accessLevel ? ` at access ${r.accessLevel}` : ''
        }${r.useCase ? ` for ${r.useCase}` : ''}`,
        aspect: 'data',
        noContract: true,
        location: r.loc,
      });
    });
    return needs.map(draft);
  },
};

/**
 * One consumer's need in an {@link UnansweredNeedGroup}.
 * @public
 */
export interface UnansweredNeedEntry {
  /** The finding's id (its fingerprint). */
  findingId: string;
  /** The consumer, or `an entity you cannot see`. */
  consumer: string;
  /** What it needs, e.g. `p95 < 200ms` (empty when redacted). */
  expected: string;
  location?: Finding['location'];
}

/**
 * The needs of others on one subject of a provider that the provider has not answered.
 * @public
 */
export interface UnansweredNeedGroup {
  provider: string;
  /** The operation, dataset or data needed (as the consumers name it). */
  subject: string;
  /**
   * `no-contract`: the provider has no contract at all; `no-value`: its contract provides the
   * subject but no latency or freshness; `undeclared`: its contract does not declare the
   * subject (an `unresolved-reference` its owners must answer).
   */
  kind: 'no-contract' | 'no-value' | 'undeclared';
  /** `latency`, `freshness`, `data`, `operation`, `dataset`. */
  aspect: string;
  /** Distinct consumers. */
  consumers: number;
  needs: UnansweredNeedEntry[];
}

/** What a finding of `unresolved-reference` names: `risk.score`, `orders/purchases`. */
function undeclared(
  f: Finding,
): { subject: string; aspect: string } | undefined {
  const dot = f.subject.indexOf('.');
  const slash = f.subject.indexOf('/');
  if (slash > 0) {
    return {
      subject: f.subject.slice(slash + 1),
      aspect: f.expected.startsWith('data ') ? 'data' : 'dataset',
    };
  }
  if (dot > 0)
    return { subject: f.subject.slice(dot + 1), aspect: 'operation' };
  return undefined; // a service that is no entity: nobody to answer
}

/**
 * The unanswered needs among findings, grouped per provider and subject (most consumers
 * first): `unanswered-need` findings, and the `unresolved-reference` findings that name an
 * operation, dataset or data of a provider that exists. The one way the backend's
 * `GET /unanswered` and the portal's cards compute them. Findings whose provider is hidden
 * from the caller are left out.
 * @public
 */
export function groupUnansweredNeeds(
  findings: Finding[],
): UnansweredNeedGroup[] {
  const groups = new Map<string, UnansweredNeedGroup & { seen: Set<string> }>();
  for (const f of findings) {
    if (f.hidden?.includes('provider')) continue;
    let kind: UnansweredNeedGroup['kind'];
    let subject = f.subject;
    let aspect: string;
    if (f.rule === UNANSWERED_NEED_RULE) {
      aspect = /\(([^)]+)\)$/.exec(f.title)?.[1] ?? 'need';
      kind =
        / has no contract/.test(f.actual) || f.hidden
          ? 'no-contract'
          : 'no-value';
    } else if (f.rule === 'unresolved-reference') {
      const u = undeclared(f);
      if (!u) continue;
      ({ subject, aspect } = u);
      kind = 'undeclared';
    } else continue;
    const key = `${lower(f.provider)}\n${subject}\n${aspect}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        provider: f.provider,
        subject,
        kind,
        aspect,
        consumers: 0,
        needs: [],
        seen: new Set(),
      };
      groups.set(key, group);
    }
    const entry: UnansweredNeedEntry = {
      findingId: f.id,
      consumer: f.consumer,
      expected: f.expected,
    };
    if (f.location) entry.location = f.location;
    group.needs.push(entry);
    const consumerKey = f.hidden?.includes('consumer')
      ? f.id
      : lower(f.consumer);
    if (!group.seen.has(consumerKey)) {
      group.seen.add(consumerKey);
      group.consumers++;
    }
  }
  return [...groups.values()]
    .map(({ seen: _, ...g }) => g)
    .sort(
      (a, b) =>
        b.consumers - a.consumers ||
        a.provider.localeCompare(b.provider) ||
        a.subject.localeCompare(b.subject),
    );
}

/**
 * A group in one sentence: `3 consumers depend on scoreTransaction latency; risk promises
 * nothing` (with `you`: `…; you promise nothing`).
 * @public
 */
export function describeUnansweredNeeds(
  group: UnansweredNeedGroup,
  options: { you?: boolean } = {},
): string {
  const who = `${group.consumers} consumer${group.consumers === 1 ? '' : 's'}`;
  const verb = group.consumers === 1 ? 'depends' : 'depend';
  const p = options.you ? 'you' : entityName(group.provider);
  switch (group.kind) {
    case 'undeclared':
      return `${who} ${verb} on ${group.aspect} ${group.subject}; ${
        options.you ? 'your' : `${p}'s`
      } contract does not declare it`;
    case 'no-value':
      return `${who} ${verb} on ${group.subject} ${group.aspect}; ${p} ${
        options.you ? 'promise' : 'promises'
      } no ${group.aspect} for it`;
    default:
      return `${who} ${verb} on ${group.subject} ${group.aspect}; ${p} ${
        options.you ? 'promise' : 'promises'
      } nothing`;
  }
}
