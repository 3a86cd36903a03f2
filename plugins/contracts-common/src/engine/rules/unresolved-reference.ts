import type { SourceLocation } from '../../types';
import { capitalize, entityName } from '../format';
import { resolvedCalls } from '../paths';
import type { ContractRule, FindingDraft, RuleContext } from '../types';
import { carriers } from './access-policy';
import { lower } from '../refs';

interface Found {
  consumer: string;
  drafts: FindingDraft[];
  seen: Set<string>;
}

function report(
  out: Found,
  provider: string,
  subject: string,
  what: string,
  loc: SourceLocation,
  where: string,
) {
  const key = `${lower(provider)}\n${subject}`;
  if (out.seen.has(key)) {
    return;
  }
  out.seen.add(key);
  const c = entityName(out.consumer);
  out.drafts.push({
    consumer: out.consumer,
    provider,
    subject,
    title: 'Unresolved reference',
    expected: `${what} ${subject} ${where}`,
    actual: 'nothing provides it',
    impact: `${c}'s contract on ${subject} cannot be checked`,
    resolutions: [
      `${c}: Correct the reference (contract)`,
      `${entityName(provider)}: Declare ${subject} in its contract (contract)`,
    ],
    action:
      where === 'in the catalog'
        ? undefined
        : `${capitalize(
            entityName(provider),
          )}'s owners must answer: declare ${subject} in its contract, or ${c} must correct the reference`,
    evidence: { what, subject, provider },
    details: [
      `${c} names: ${what} ${subject}`,
      `catalog: ${
        where === 'in the catalog' ? 'no such entity' : `not ${where}`
      }`,
    ],
    location: loc,
    edges: [],
  });
}

function service(
  out: Found,
  ctx: RuleContext,
  ref: string,
  written: string,
  loc: SourceLocation,
) {
  const target = ctx.resolve(ref);
  if (!target) {
    report(out, ref, written, 'service', loc, 'in the catalog');
  }
  return target;
}

function dataset(
  out: Found,
  ctx: RuleContext,
  ref: string,
  written: string,
  name: string,
  loc: SourceLocation,
) {
  const target = service(out, ctx, ref, written, loc);
  if (!target) {
    return;
  }
  const m = ctx.findDataset(target.ref, name);
  // A provider with a contract (declared or imported) must answer for the datasets named on
  // it; one with no contract at all has an unanswered need instead (rule `unanswered-need`).
  if (
    !m.provider &&
    (m.candidatesHaveContract ?? m.candidatesDeclareDatasets)
  ) {
    report(
      out,
      target.ref,
      `${written}/${name}`,
      'dataset',
      loc,
      `provided by ${written} or an entity tied to it`,
    );
  }
}

/**
 * `unresolved-reference`: a contract names a service that is no entity of the catalog, or an
 * operation, dataset or data that the named provider's contract does not provide. A provider
 * with a contract (declared or imported: an ODCS file, an SLO, an OpenAPI definition) answers
 * for every operation, dataset and data named on it, and its owners must declare what is
 * missing; a provider with no contract at all has an unanswered need (rule `unanswered-need`).
 * @public
 */
export const unresolvedReferenceRule: ContractRule = {
  id: 'unresolved-reference',
  title: 'Unresolved reference',
  defaultSeverity: 'error',
  description:
    'A contract names a service, operation or dataset that nothing provides.',
  evaluate(anchor, ctx) {
    const out: Found = {
      consumer: anchor.entityRef,
      drafts: [],
      seen: new Set(),
    };
    for (const rc of resolvedCalls(ctx, anchor)) {
      const { call, target } = rc;
      if (!target) {
        report(
          out,
          call.ref,
          call.service,
          'service',
          call.loc,
          'in the catalog',
        );
        continue;
      }
      if (!call.operation) {
        continue;
      }
      const pc = rc.contract;
      // Any contract answers for the operations named on it: one that does not declare the
      // operation must; a provider with no contract has an unanswered need (`unanswered-need`).
      if (pc && !rc.operation && !rc.idempotency) {
        report(
          out,
          target.ref,
          `${call.service}.${call.operation}`,
          'operation',
          call.loc,
          `provided by ${entityName(target.ref)}`,
        );
      }
    }
    anchor.dataDependencies.forEach(dd =>
      dataset(out, ctx, dd.ref, dd.source, dd.dataset, dd.loc),
    );
    anchor.datasets.forEach(ds =>
      ds.derivedFrom.forEach(src =>
        dataset(out, ctx, src.ref, src.source, src.dataset, src.loc),
      ),
    );
    for (let i = 0; i < anchor.requires.length; i++) {
      const r = anchor.requires[i];
      const target = service(out, ctx, r.ref, r.from, r.loc);
      if (!target) {
        continue;
      }
      const provided = ctx.contract(target.ref);
      if (provided && carriers(provided.endpoints, r.data).length === 0) {
        report(
          out,
          target.ref,
          `${r.from}/${r.data}`,
          'data',
          r.loc,
          `carried by an endpoint of ${r.from}`,
        );
      }
    }
    return out.drafts;
  },
};
