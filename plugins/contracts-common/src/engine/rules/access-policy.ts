import type { DataRequirement, ProvidedEndpoint } from '../../types';
import { capitalize, entityName, humanize, purposeOf } from '../format';
import type { ContractRule, FindingDraft } from '../types';
import { NO_DRAFTS } from './util';

/** True when `returns` describes a full breakdown (`full_breakdown`, `detailed`, …). */
export function returnsFullBreakdown(returns: string | undefined): boolean {
  return (
    !!returns &&
    /full|breakdown|detail/i.test(returns) &&
    !/aggregate|summary/i.test(returns)
  );
}

/**
 * The endpoints that carry a need: those whose `data[]` names it, or, when no endpoint of the
 * provider names data explicitly, those whose `returns` is a full breakdown.
 */
export function carriers(
  endpoints: ProvidedEndpoint[],
  data: string,
): ProvidedEndpoint[] {
  const explicit = endpoints.some(e => e.data.length > 0);
  return explicit
    ? endpoints.filter(e => e.data.includes(data))
    : endpoints.filter(e => returnsFullBreakdown(e.returns));
}

/** An endpoint is open to a consumer when its access is absent or `any`, or names the consumer's level. */
export function isOpenTo(e: ProvidedEndpoint, r: DataRequirement): boolean {
  return (
    !e.access ||
    e.access === 'any' ||
    (!!r.accessLevel && e.access === r.accessLevel)
  );
}

/**
 * `carriers(endpoints, r.data)` is not empty and none of them is open to the consumer, found
 * without building the lists (most needs are met).
 */
function blocked(endpoints: ProvidedEndpoint[], r: DataRequirement): boolean {
  let explicit = false;
  for (const e of endpoints) {
    if (e.data.length > 0) {
      explicit = true;
      break;
    }
  }
  let carried = false;
  for (const e of endpoints) {
    const carries = explicit
      ? e.data.includes(r.data)
      : returnsFullBreakdown(e.returns);
    if (carries) {
      if (isOpenTo(e, r)) {
        return false;
      }
      carried = true;
    }
  }
  return carried;
}

/** `aggregate_only` → `aggregate`, `full_breakdown` → `full breakdown`; the path without `returns`. */
function endpointLabel(e: ProvidedEndpoint): string {
  return e.returns ? humanize(e.returns.replace(/[_-]?only$/i, '')) : e.path;
}

/**
 * `access-policy`: the data a consumer needs (`requires[]`) is carried only by endpoints whose
 * access it does not hold. Both sides are legitimate, so it is a trade-off for the owners of
 * both sides and the groups configured for the rule (e.g. security).
 * @public
 */
export const accessPolicyRule: ContractRule = {
  id: 'access-policy',
  title: 'Data access policy conflict',
  defaultSeverity: 'tradeoff',
  description:
    'The data a consumer needs is carried only by endpoints whose access it does not hold.',
  evaluate(anchor, ctx) {
    const consumer = anchor.entityRef;
    let drafts: FindingDraft[] | undefined;
    for (let k = 0; k < anchor.requires.length; k++) {
      const r = anchor.requires[k];
      const target = ctx.resolve(r.ref);
      if (!target) {
        continue;
      }
      const provider = target.ref;
      const endpoints = ctx.contract(provider)?.endpoints ?? [];
      if (!blocked(endpoints, r)) {
        continue;
      }
      const carrying = carriers(endpoints, r.data);
      if (carrying.length === 0 || carrying.some(e => isOpenTo(e, r))) {
        continue;
      }
      const insufficient = endpoints.filter(
        e => !carrying.includes(e) && isOpenTo(e, r),
      );
      const alternatives = [
        ...insufficient.map(e => ({
          e,
          text: `${endpointLabel(e)} (insufficient)`,
        })),
        ...carrying.map(e => ({
          e,
          text: `${endpointLabel(e)} (requires ${e.access})`,
        })),
      ];
      const c = entityName(consumer);
      const p = entityName(provider);
      const level = r.accessLevel ?? 'any access level';
      const prefix = `${p} provides: `;
      const providesLines = alternatives
        .map(
          (a, i) =>
            `${i === 0 ? prefix : ' '.repeat(prefix.length)}${a.text}${
              i < alternatives.length - 1 ? ' OR' : ''
            }`,
        )
        .join('\n  ');
      const pii = carrying.some(
        e => e.pii && !/^(none|minimal|low)$/i.test(e.pii),
      );
      const restriction = pii
        ? 'PII minimization'
        : `access policy (${[...new Set(carrying.map(e => e.access))].join(
            ', ',
          )})`;
      const useCase = r.useCase ? humanize(r.useCase) : undefined;
      (drafts ??= []).push({
        consumer,
        provider,
        subject: r.data,
        title: 'Data access policy conflict',
        expected: `${r.data} at ${level}`,
        actual: alternatives.map(a => `${a.e.path}: ${a.text}`).join(' OR '),
        impact: `${capitalize(c)} cannot get ${r.data}${
          useCase ? ` ${purposeOf(useCase)}` : ''
        } without escalation`,
        resolutions: [
          `${p}: Provide a ${pii ? 'PII-sanitized ' : ''}${humanize(
            r.data,
          )} summary open to ${level} (privacy review)`,
          `${p}: Grant ${level} access to ${carrying[0].path} (security review)`,
          `${c}: Escalate each case to ${p} (workflow)`,
        ],
        evidence: {
          need: [r.data, r.accessLevel],
          endpoints: alternatives.map(a => [
            a.e.path,
            a.e.returns,
            a.e.access,
            a.e.pii,
          ]),
        },
        details: [`${c} needs: ${r.data} at ${level}`, providesLines],
        notes: [`Trade-off: ${capitalize(c)} workflow vs ${restriction}`],
        location: r.loc,
      });
    }
    return drafts ?? NO_DRAFTS;
  },
};
