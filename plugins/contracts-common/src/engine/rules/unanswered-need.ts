import type { SourceLocation } from '../../types';
import { capitalize, entityName, formatMs, formatPercentile } from '../format';
import {
  chainFreshness,
  chainLatency,
  contractRefs,
  findDatasetVia,
  resolvedCalls,
  resolveVia,
} from '../paths';
import type { ContractRule, FindingDraft } from '../types';

/** The rule id of an unanswered need. @public */
export const UNANSWERED_NEED_RULE = 'unanswered-need';

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
    title: 'Unanswered need',
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
      const key = `${need.provider.toLowerCase()}\n${need.subject}`;
      if (
        seen.has(key) ||
        need.provider.toLowerCase() === consumer.toLowerCase()
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
      const expected = budget
        ? dep.budget.map(b => b.raw).join(', ')
        : dep.timeoutMs !== undefined
        ? `an answer within ${formatMs(dep.timeoutMs)} (timeout)`
        : `operation ${call.operation}`;
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
          rc.slot,
        ) ??
        (budget
          ? undefined
          : chainLatency(
              ctx,
              target.ref,
              call.operation,
              100,
              rc.operation,
              rc.slot,
            ));
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
    const refs = contractRefs(ctx, anchor);
    anchor.dataDependencies.forEach((dd, i) => {
      const m = findDatasetVia(
        ctx,
        refs?.dataDependencies[i],
        dd.ref,
        dd.dataset,
      );
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
    anchor.requires.forEach((r, i) => {
      const target = resolveVia(ctx, refs?.requires[i], r.ref);
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
